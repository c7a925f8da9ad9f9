//go:build unix

package labs

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

// followSize sends the terminal's size each time it changes (SIGWINCH).
func followSize(tty *os.File) <-chan [2]uint16 {
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	sizes := make(chan [2]uint16, 1)
	go func() {
		for range winch {
			if cols, rows, err := term.GetSize(int(tty.Fd())); err == nil {
				select {
				case sizes <- [2]uint16{uint16(rows), uint16(cols)}:
				default:
				}
			}
		}
	}()
	return sizes
}

// escapesShown has nothing to do on a Unix terminal, which shows the escape sequences a program in the
// machine writes (colours, cursor moves) as they come.
func escapesShown(*os.File) (restore func()) { return func() {} }
