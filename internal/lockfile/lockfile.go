// Package lockfile holds exclusive locks on files of lvslab's state folder (flock; LockFileEx on Windows):
// one per lab, held while the lab is brought up or taken down, so that two commands never work on one lab
// at once. The kernel drops a lock when its holder dies, however it dies.
package lockfile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

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
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|openNoFollow, 0o600)
	if err != nil {
		return nil, err
	}
	if err := lockNow(f); err != nil {
		f.Close()
		return nil, err
	}
	fst, ferr := f.Stat()
	pst, perr := os.Lstat(path)
	if perr == nil && pst.Mode()&os.ModeSymlink != 0 {
		f.Close()
		return nil, fmt.Errorf("%s is a symbolic link: expected lvslab's own lock file; remove it", path)
	}
	if ferr != nil || perr != nil || !os.SameFile(fst, pst) {
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
	if remove && removeWhileOpen {
		os.Remove(l.path)
	}
	l.f.Close()
	if remove && !removeWhileOpen {
		os.Remove(l.path) // fails, harmlessly, when another process has opened it meanwhile
	}
}
