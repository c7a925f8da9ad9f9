package labs

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"

	"golang.org/x/term"

	"github.com/lvslab/lvslab/vm"
	"github.com/lvslab/lvslab/vm/proto"
	"github.com/lvslab/lvslab/vmlab"
)

// Terminal is what a command run in a lab is wired to.
type Terminal struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// StopInterrupts stops this lvslab's own handling of SIGINT and SIGTERM, for a command in a microVM
	// to receive them instead.
	StopInterrupts func()
}

// Lvslab runs lvslab with args inside the lab's microVM, as if typed there: a terminal on stdin and
// stdout makes it run under a terminal in the machine (raw here, its size followed); otherwise its stdin
// is streamed, and signals that would stop lvslab here go to it there. The exit status is its own.
func (v InVM) Lvslab(ctx context.Context, args []string, t Terminal) error {
	return v.forward(ctx, proto.ExecRequest{Argv: append([]string{"lvslab"}, args...)}, t, args[0] != "status")
}

// forward runs req in the lab's machine, wired to t; writes says whether the command may write files
// (then it is warned when they would stay in the machine). A status other than 0 is a *vmlab.ExitError.
func (v InVM) forward(ctx context.Context, req proto.ExecRequest, t Terminal, writes bool) error {
	r, err := v.Record.AwaitUp(ctx, t.Stderr)
	if err != nil {
		return err
	}
	req.Dir = guestDir(t.Stderr, r, writes)
	eio := vm.ExecIO{Stdin: t.Stdin, Stdout: t.Stdout, Stderr: t.Stderr}
	stdin, stdinIsFile := t.Stdin.(*os.File)
	stdout, stdoutIsFile := t.Stdout.(*os.File)
	if stdinIsFile && stdoutIsFile && term.IsTerminal(int(stdin.Fd())) && term.IsTerminal(int(stdout.Fd())) {
		cols, rows, err := term.GetSize(int(stdout.Fd()))
		if err == nil {
			req.TTY, req.Rows, req.Cols = true, uint16(rows), uint16(cols)
		}
		if old, err := term.MakeRaw(int(stdin.Fd())); err == nil {
			defer term.Restore(int(stdin.Fd()), old)
		}
		defer escapesShown(stdout)()
		eio.Resize = followSize(stdout)
	}
	ctx, hangUp := context.WithCancel(context.WithoutCancel(ctx))
	defer hangUp()
	var hungUp atomic.Bool
	if t.StopInterrupts != nil {
		t.StopInterrupts()
	}
	eio.Signals = takeOverSignals(func() { hungUp.Store(true); hangUp() })
	code, err := r.RunRequest(ctx, req, eio)
	switch {
	case hungUp.Load():
		return &vmlab.ExitError{Code: 128 + int(syscall.SIGHUP)}
	case err != nil:
		return err
	case code != 0:
		return &vmlab.ExitError{Code: code}
	}
	return nil
}

// guestDir is where a command forwarded to the lab's machine runs: this folder, which the machine sees
// read-only, or shares read-write if it is the one up ran from; a command that may write files is warned
// when they would stay in the machine. A folder the machine has of its own (/run, say) is not this one, so
// the command runs in / instead.
func guestDir(notices io.Writer, r *vmlab.Record, writes bool) string {
	dir, err := os.Getwd()
	if err != nil {
		return dir
	}
	return guestDirOf(notices, r, dir, writes)
}

// guestDirOf is guestDir for the folder dir.
func guestDirOf(notices io.Writer, r *vmlab.Record, dir string, writes bool) string {
	if !strings.HasPrefix(dir, "/") {
		// Windows's C:\... : the machine reaches no folder of a host whose paths are not a Unix system's.
		if writes {
			fmt.Fprintf(notices, "lvslab: lab %s's microVM cannot see %s: the command runs in its / and what it writes stays in the machine\n", r.Lab, dir)
		}
		return "/"
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real // the machine reaches the host's folders by their real paths, through no link of the host's
	}
	if r.Shares(dir) {
		return dir
	}
	shared := "it shares none"
	if r.Share != "" {
		shared = "it shares " + r.Share
	}
	if proto.GuestOwn(dir) {
		fmt.Fprintf(notices, "lvslab: %s is lab %s's microVM's own folder there, not this host's: the command runs in / (%s)\n", dir, r.Lab, shared)
		return "/"
	}
	if writes {
		fmt.Fprintf(notices, "lvslab: %s is not shared with lab %s's microVM (%s): what the command writes there stays in the machine\n", dir, r.Lab, shared)
	}
	return dir
}

// takeOverSignals hands SIGINT, SIGTERM and SIGQUIT over, for a command in the microVM to receive instead.
// SIGHUP (the terminal closed) calls hangUp instead: the connection ends, and the agent hangs the command
// up as a closed terminal would.
func takeOverSignals(hangUp func()) <-chan syscall.Signal {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	out := make(chan syscall.Signal, 4)
	go func() {
		for s := range sigs {
			if s == syscall.SIGHUP {
				hangUp()
				continue
			}
			out <- s.(syscall.Signal)
		}
	}()
	return out
}
