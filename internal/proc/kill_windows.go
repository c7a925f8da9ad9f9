package proc

import (
	"errors"

	"golang.org/x/sys/windows"
)

// Kill terminates the process pid if it is the one created at start (as Stat says), through the one
// handle that it checks, so that no later process given its pid is ever the one terminated.
func Kill(pid int, start uint64) error {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION|windows.PROCESS_TERMINATE, false, uint32(pid))
	if errors.Is(err, windows.ERROR_INVALID_PARAMETER) {
		return nil // no such process: gone
	}
	if err != nil {
		return err
	}
	defer windows.CloseHandle(h)
	if created, err := createdAt(h); err != nil || created != start {
		return err
	}
	return windows.TerminateProcess(h, 1)
}
