// Command lvslab provisions Linux IPVS (LVS) load-balancing labs and proves they behave.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/lvslab/lvslab/internal/child"
	"github.com/lvslab/lvslab/vm/guest"
)

func main() {
	runGuestOrChild()
	ctx, interruptedBy := interruptible()
	err := newRootCommand().ExecuteContext(ctx)
	var quiet *exitError
	if err != nil && (!errors.As(err, &quiet) || !quiet.quiet) {
		fmt.Fprintln(os.Stderr, "lvslab:", err)
	}
	if sig := interruptedBy(); sig != 0 {
		fmt.Fprintf(os.Stderr, "lvslab: stopped by %s\n", signalName(sig))
		os.Exit(128 + int(sig))
	}
	if err != nil {
		os.Exit(exitCode(err))
	}
}

// runGuestOrChild turns this process into the guest's /init in a microVM, or into a child lvslab started
// in a lab host, when it is one; else it returns at once. It must come first in main.
func runGuestOrChild() {
	guest.RunIfInit(labNamespaceInGuest)
	child.RunIfRequested()
}

// interrupts receives the signals that stop a command; stopInterrupts hands them over (see forward).
var interrupts chan os.Signal

func stopInterrupts() {
	if interrupts != nil {
		signal.Stop(interrupts)
	}
}

// interruptible is a context that ends at the first SIGINT or SIGTERM, so that every command stops
// cleanly: a load reports what it sent, a lab that was coming up is taken down again. A second signal
// kills at once. interruptedBy tells which signal came, or 0.
func interruptible() (ctx context.Context, interruptedBy func() syscall.Signal) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	interrupts = sigs
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	var got atomic.Int32
	go func() {
		sig := (<-sigs).(syscall.Signal)
		got.Store(int32(sig))
		signal.Stop(sigs) // the next one takes its default action
		cancel()
	}()
	return ctx, func() syscall.Signal { return syscall.Signal(got.Load()) }
}

// Exit codes, the same for every command (README: exit status).
const (
	exitPass     = 0
	exitFailed   = 1 // an expectation failed (a load with failed requests)
	exitUnusable = 2 // the lab could not be brought to a testable state: bad input, missing capability
)

// exitError carries an exit code with an error.
type exitError struct {
	code  int
	err   error
	quiet bool // the reason was printed already (by the command run in the microVM)
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

func failed(err error) error   { return &exitError{code: exitFailed, err: err} }
func unusable(err error) error { return &exitError{code: exitUnusable, err: err} }

func exitCode(err error) int {
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return exitUnusable // bad flags, bad input
}
