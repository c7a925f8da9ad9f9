// Package netnsenter moves the calling thread into a network namespace bound at a path, and runs work on
// a locked thread that is retired afterwards, so that such a move never reaches other goroutines.
package netnsenter

import "runtime"

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
