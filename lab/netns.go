//go:build linux

package lab

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/containernetworking/plugins/pkg/ns"
	"golang.org/x/sys/unix"

	"github.com/lvslab/lvslab/internal/netnsenter"
	"github.com/lvslab/lvslab/internal/nsmount"
)

// NetnsDir is where named namespaces are bound, as iproute2 does, so `ip netns` sees lab namespaces.
const NetnsDir = "/run/netns"

func netnsPath(name string) string { return filepath.Join(NetnsDir, name) }

// createNamespace makes a network namespace bound at /run/netns/name and returns its inode. The name is
// claimed (O_EXCL) before anything is made, so a taken name fails without side effects.
func createNamespace(name string) (uint64, error) {
	if err := os.MkdirAll(NetnsDir, 0o755); err != nil {
		return 0, err
	}
	path := netnsPath(name)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDONLY, 0o444)
	if errors.Is(err, os.ErrExist) {
		return 0, fmt.Errorf("namespace %s already exists and is not part of this lab: choose another lab name, or remove it with `ip netns del %s` if nothing uses it", name, name)
	}
	if err != nil {
		return 0, err
	}
	f.Close()
	err = netnsenter.OnThrowawayThread(func() error {
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			if errors.Is(err, syscall.EPERM) {
				return fmt.Errorf("creating a network namespace: %w (lvslab needs root: run it with sudo)", err)
			}
			return fmt.Errorf("creating a network namespace: %w", err)
		}
		return unix.Mount("/proc/thread-self/ns/net", path, "none", unix.MS_BIND, "")
	})
	if err != nil {
		os.Remove(path)
		return 0, fmt.Errorf("namespace %s: %w", name, err)
	}
	return inode(path)
}

// inNamespace runs fn on an OS thread that has entered the namespace bound at path (containernetworking's
// pkg/ns, which locks the thread and retires it if it cannot switch back). Sockets, netlink handles and
// /proc/sys/net writes made by fn belong to that namespace; goroutines fn starts do not.
func inNamespace(path string, fn func() error) error {
	err := ns.WithNetNSPath(path, func(ns.NetNS) error { return fn() })
	var nsErr ns.NSPathNotExistErr
	if errors.As(err, &nsErr) {
		return &os.PathError{Op: "enter namespace", Path: path, Err: os.ErrNotExist}
	}
	return err
}

// openNamespace is a handle on the namespace bound at path; close it when done: an open handle keeps a
// deleted namespace alive.
func openNamespace(path string) (ns.NetNS, error) {
	h, err := ns.GetNS(path)
	if err != nil {
		return nil, fmt.Errorf("opening namespace %s: %w", path, err)
	}
	return h, nil
}

// removeNamespace unbinds and removes /run/netns/name, whose mounts (in mt, read before) must all be the
// namespace with inode want (none when want is 0: a file up made but had not bound yet). Every copy of that
// mount goes, the hidden ones too (see package nsmount); a mount of anything else there leaves the file
// alone. The kernel frees the namespace, and every link in it, once no process or open handle holds it.
// Whether a mount of it is left the caller checks, once for all it removes (checkRemoved).
func removeNamespace(mt nsmount.Table, name string, want uint64) error {
	path := netnsPath(name)
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	ino, mounts, err := mt.NamespaceOn(path)
	switch {
	case err != nil:
		return fmt.Errorf("namespace %s: %w; left alone", name, err)
	case mounts > 0 && ino != want:
		return fmt.Errorf("namespace %s is not the one this lab made (inode %d, recorded %d); left alone", name, ino, want)
	}
	for i := 0; nsmount.Shows(path, want); i++ {
		if i == nsmount.MaxCopies {
			return fmt.Errorf("namespace %s is still mounted on %s after %d unmounts", name, path, nsmount.MaxCopies)
		}
		if err := unix.Unmount(path, unix.MNT_DETACH); err != nil {
			return fmt.Errorf("unmounting %s: %w", path, err)
		}
	}
	err = os.Remove(path)
	if errors.Is(err, unix.EBUSY) {
		err = nsmount.RemoveCovered(path, want)
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// checkRemoved reports the namespaces among names that still have a mount on their file.
func checkRemoved(names []string) error {
	mt, err := nsmount.ReadTable()
	if err != nil {
		return fmt.Errorf("checking that the namespaces are gone: %w", err)
	}
	var errs []error
	for _, name := range names {
		path := netnsPath(name)
		if _, left, err := mt.NamespaceOn(path); err != nil || left > 0 {
			errs = append(errs, fmt.Errorf("namespace %s: %d mounts of it left on %s after it was removed (%v)", name, left, path, err))
		}
	}
	return errors.Join(errs...)
}

func inode(path string) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	return st.Ino, nil
}

// madeSince reports whether the namespace at path was bound no earlier than t: one bound after the lab
// recorded its plan is the lab's own even if up was killed before it could note the inode. The kernel
// stamps files from a clock that may run a tick (up to 10 ms) behind.
func madeSince(path string, t time.Time) bool {
	var st unix.Stat_t
	if unix.Stat(path, &st) != nil {
		return false
	}
	return !time.Unix(st.Ctim.Unix()).Before(t.Add(-10 * time.Millisecond))
}
