// Package lockfile holds exclusive locks (flock) on files of lvslab's state folder: one per lab, held while
// the lab is brought up or taken down, so that two commands never work on one lab at once. The kernel
// drops a lock when its holder dies, however it dies.
package lockfile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/lvslab/lvslab/internal/wait"
)

// ErrBusy says another process holds the lock.
var ErrBusy = errors.New("another process holds the lock")

// Lock is a lock held on the file at its path.
type Lock struct {
	f    *os.File
	path string
}

// Try takes the lock on path (creating the file) without waiting: ErrBusy when another process holds it.
// A holder that removes the file as it lets go may leave a waiter holding a lock on the removed file, so
// the lock counts only if path still names the file locked; if not, Try tries the new file.
func Try(path string) (*Lock, error) {
	for range 8 {
		l, err := try(path)
		if !errors.Is(err, errReplaced) {
			return l, err
		}
	}
	return nil, ErrBusy
}

var errReplaced = errors.New("the lock file was replaced")

func try(path string) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, ErrBusy
		}
		return nil, err
	}
	var fst, pst unix.Stat_t
	if unix.Fstat(int(f.Fd()), &fst) != nil || unix.Lstat(path, &pst) != nil || fst.Ino != pst.Ino || fst.Dev != pst.Dev {
		f.Close()
		return nil, errReplaced
	}
	return &Lock{f: f, path: path}, nil
}

// Wait takes the lock on path, polling until another holder lets go, at most within; busy says what the
// holder is doing, for the error.
func Wait(ctx context.Context, path string, within time.Duration, busy string) (*Lock, error) {
	var held *Lock
	var failed error
	err := wait.Until(ctx, within, func() (bool, string) {
		l, err := Try(path)
		switch {
		case errors.Is(err, ErrBusy):
			return false, busy
		case err != nil:
			failed = err
			return true, ""
		}
		held = l
		return true, ""
	})
	switch {
	case failed != nil:
		return nil, fmt.Errorf("the lock %s: %w", path, failed)
	case err != nil:
		return nil, err
	}
	return held, nil
}

// Release lets the lock go; remove also deletes its file, for a holder that leaves nothing behind.
func (l *Lock) Release(remove bool) {
	if remove {
		os.Remove(l.path)
	}
	l.f.Close()
}
