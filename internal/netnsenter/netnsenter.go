// Package netnsenter moves the calling thread into a network namespace bound at a path, and runs work on
// a locked thread that is retired afterwards, so that such a move never reaches other goroutines.
package netnsenter

import (
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// Enter moves this thread into the network namespace bound at path. The caller has locked the goroutine
// to its thread and retires the thread afterwards, so the change never reaches other goroutines.
func Enter(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("entering %s: %w", path, err)
	}
	return nil
}

// OnThrowawayThread runs fn on a locked OS thread that is never unlocked: when the goroutine ends, the
// runtime retires the thread, so a namespace change can never leak into other goroutines.
func OnThrowawayThread(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		errc <- fn()
	}()
	return <-errc
}
