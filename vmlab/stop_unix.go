//go:build unix

package vmlab

import (
	"strconv"
	"syscall"

	"github.com/lvslab/lvslab/internal/proc"
)

// stopBooter asks the lvslab bringing a lab up, proven by the caller to have started at start, to stop:
// SIGTERM, on which it takes down what it made.
func stopBooter(pid int, start uint64) error {
	if _, got, err := proc.Stat(pid); err != nil || got != start {
		return nil // gone meanwhile
	}
	return syscall.Kill(pid, syscall.SIGTERM)
}

// forceStopCommand is the command that stops the process pid at once, for a user to type.
func forceStopCommand(pid int) string { return "kill -9 " + strconv.Itoa(pid) }
