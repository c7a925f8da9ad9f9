//go:build unix

package vmlab

import "syscall"

// stopBooter asks the lvslab bringing a lab up, proven by the caller, to stop: SIGTERM, on which it takes
// down what it made.
func stopBooter(pid int) error { return syscall.Kill(pid, syscall.SIGTERM) }
