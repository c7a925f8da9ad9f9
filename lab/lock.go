package lab

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/lvslab/lvslab/internal/wait"
)

// labLockWait bounds the wait for another lvslab bringing the same lab up or down.
const labLockWait = 2 * time.Minute

func lockPath(dir, name string) string { return filepath.Join(dir, "."+name+".lock") }

// labLock is an exclusive flock on the lab's lock file, held while the lab is brought up or down, so that
// two commands never work on one lab at once. The kernel drops it when the holder dies, however it dies.
type labLock struct {
	f    *os.File
	path string
}

// lockLab takes the lab's lock, waiting for another holder at most labLockWait. A holder that removes
// the file (the last down) may leave a waiter holding a lock on the removed file, so the waiter checks
// that the path still names the file it locked, and tries again if not.
func lockLab(ctx context.Context, dir, name string) (*labLock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating state directory: %w", err)
	}
	path := lockPath(dir, name)
	var held *os.File
	var failed error
	err := wait.Until(ctx, labLockWait, func() (bool, string) {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0o600)
		if err != nil {
			failed = err
			return true, ""
		}
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
			f.Close()
			if !errors.Is(err, unix.EWOULDBLOCK) {
				failed = err
				return true, ""
			}
			return false, "another lvslab is bringing lab " + name + " up or down"
		}
		var fst, pst unix.Stat_t
		if unix.Fstat(int(f.Fd()), &fst) != nil || unix.Lstat(path, &pst) != nil || fst.Ino != pst.Ino || fst.Dev != pst.Dev {
			f.Close()
			return false, "the lock file was replaced while waiting"
		}
		held = f
		return true, ""
	})
	switch {
	case failed != nil:
		return nil, fmt.Errorf("lab %s's lock %s: %w", name, path, failed)
	case err != nil:
		return nil, fmt.Errorf("lab %s: %w; wait for the other lvslab to finish, or stop it", name, err)
	}
	return &labLock{f: held, path: path}, nil
}

// release drops the lock; remove also deletes the lock file, which only the lab's final down does.
func (l *labLock) release(remove bool) {
	if remove {
		os.Remove(l.path)
	}
	l.f.Close()
}
