package main

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/windows"
)

// kernelRelease is Windows's version and build.
func kernelRelease() string {
	v := windows.RtlGetVersion()
	return fmt.Sprintf("Windows %d.%d.%d", v.MajorVersion, v.MinorVersion, v.BuildNumber)
}

// signalName is the name of what stopped lvslab: Windows turns Ctrl-C and Ctrl-Break into SIGINT, and a
// closed console, a logoff or a shutdown into SIGTERM.
func signalName(sig syscall.Signal) string {
	switch sig {
	case syscall.SIGINT:
		return "Ctrl-C (SIGINT)"
	case syscall.SIGTERM:
		return "a closed console or a shutdown (SIGTERM)"
	}
	return sig.String()
}
