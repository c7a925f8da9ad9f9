package labs

import (
	"os"
	"time"

	"golang.org/x/sys/windows"
	"golang.org/x/term"
)

// sizeEvery is how often followSize looks at the console's size: Windows sends no signal when it changes.
const sizeEvery = 250 * time.Millisecond

// followSize sends the console's size each time it changes.
func followSize(tty *os.File) <-chan [2]uint16 {
	sizes := make(chan [2]uint16, 1)
	go func() {
		lastCols, lastRows, _ := term.GetSize(int(tty.Fd()))
		for range time.Tick(sizeEvery) {
			cols, rows, err := term.GetSize(int(tty.Fd()))
			if err != nil || (cols == lastCols && rows == lastRows) {
				continue
			}
			lastCols, lastRows = cols, rows
			select {
			case sizes <- [2]uint16{uint16(rows), uint16(cols)}:
			default:
			}
		}
	}()
	return sizes
}

// escapesShown has the console interpret the escape sequences a program in the machine writes (colours,
// cursor moves), as a Unix terminal does, until restore.
func escapesShown(out *os.File) (restore func()) {
	h := windows.Handle(out.Fd())
	var mode uint32
	if windows.GetConsoleMode(h, &mode) != nil {
		return func() {}
	}
	if windows.SetConsoleMode(h, mode|windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING|windows.DISABLE_NEWLINE_AUTO_RETURN) != nil {
		return func() {}
	}
	return func() { windows.SetConsoleMode(h, mode) }
}
