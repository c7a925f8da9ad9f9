package vmlab

import (
	"strconv"

	"github.com/lvslab/lvslab/internal/proc"
)

// stopBooter stops the lvslab bringing a lab up, proven by the caller to have started at start: Windows
// has no SIGTERM to send another console's process, so it is terminated, and Down, once it holds the lab's
// lock, stops the machine that lvslab started (by its record, else as a stray of the machine's name).
func stopBooter(pid int, start uint64) error { return proc.Kill(pid, start) }

// forceStopCommand is the command that stops the process pid at once, for a user to type.
func forceStopCommand(pid int) string { return "taskkill /F /PID " + strconv.Itoa(pid) }
