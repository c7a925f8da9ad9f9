package lockfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTryHoldsOneLockAtATime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lab1.lock")
	first, err := Try(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Try(path); !errors.Is(err, ErrBusy) {
		t.Fatalf("a second Try while the first holds the lock: %v, want ErrBusy", err)
	}
	first.Release(true)
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Release(true) the lock file is still there (%v)", err)
	}
	second, err := Try(path)
	if err != nil {
		t.Fatalf("Try after the holder let go: %v", err)
	}
	second.Release(false)
	if _, err := os.Stat(path); err != nil {
		t.Errorf("Release(false) removed the lock file: %v", err)
	}
}

func TestTryRefusesASymbolicLink(t *testing.T) {
	dir := t.TempDir()
	target, path := filepath.Join(dir, "elsewhere"), filepath.Join(dir, "lab1.lock")
	if err := os.WriteFile(target, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, path); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	l, err := Try(path)
	if err == nil {
		l.Release(false)
		t.Fatal("Try took a lock through a symbolic link")
	}
	if errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), path) {
		t.Errorf("Try through a symbolic link: %v; want an error naming %s", err, path)
	}
}
