//go:build unix

package lockfile

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// openNoFollow refuses a symbolic link where the lock file should be.
const openNoFollow = unix.O_CLOEXEC | unix.O_NOFOLLOW

// removeWhileOpen: the file goes before the lock, so a waiter that gets the lock on it sees it replaced.
const removeWhileOpen = true

// lockNow takes flock's exclusive lock on f, or returns ErrBusy.
func lockNow(f *os.File) error {
	err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return ErrBusy
	}
	return err
}
