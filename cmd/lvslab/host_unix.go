//go:build unix

package main

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// kernelRelease is uname -r.
func kernelRelease() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "unknown"
	}
	return unix.ByteSliceToString(u.Release[:])
}

// signalName is a signal's name as a shell says it: SIGINT.
func signalName(sig syscall.Signal) string { return unix.SignalName(sig) }
