package lockfile

import (
	"errors"
	"math"
	"os"

	"golang.org/x/sys/windows"
)

// openNoFollow: Windows opens through a symbolic link; try refuses one after the open.
const openNoFollow = 0

// removeWhileOpen: Windows removes no file a process holds open without sharing its deletion, as Go opens
// files; the lock goes first, and a waiter that gets it before the removal finds the file replaced after.
const removeWhileOpen = false

// lockNow takes LockFileEx's exclusive lock on the whole of f without waiting, or returns ErrBusy.
func lockNow(f *os.File) error {
	var o windows.Overlapped
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY,
		0, math.MaxUint32, math.MaxUint32, &o)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return ErrBusy
	}
	return err
}
