//go:build linux

// Package nsmount reads which network namespaces are mounted on a path, hidden copies included, and
// removes such a file where a copy lies beneath a mount that is not lvslab's.
//
// Why a lab's namespace can be mounted on its file more than once: iproute2's `ip netns add`, the first
// time it runs on a machine, makes /run/netns a mount point by binding the folder onto itself with
// everything mounted in it (MS_BIND|MS_REC), then makes it shared. Every namespace bound there before,
// a lab's among them, is then mounted twice on the same file: the copy on top, which a path reaches, and
// the original beneath iproute2's mount, which no path reaches. Unmounting the top one leaves the file
// a mount point in this mount namespace, so it cannot be removed (EBUSY), and the hidden mount keeps
// the namespace alive. /proc/thread-self/mountinfo lists both.
package nsmount

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/lvslab/lvslab/internal/netnsenter"
)

// MaxCopies bounds the unmounts of one file: each `ip netns add` that finds /run/netns no mount point
// adds one copy, and that happens once per boot unless someone unmounts it again.
const MaxCopies = 16

// mountEntry is one line of mountinfo: what is mounted, from where, on which path.
type mountEntry struct {
	Root, MountPoint, FSType string
}

// Table is every mount of this thread's mount namespace, hidden ones included, by mount point, in
// the order mountinfo gives them. Read once for a whole lab: reading mountinfo again for each of its
// namespaces would cost in the square of their number.
type Table map[string][]mountEntry

// ReadTable reads this thread's mountinfo.
func ReadTable() (Table, error) {
	f, err := os.Open("/proc/thread-self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	mt := Table{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if m, ok := parseMountinfo(sc.Text()); ok {
			mt[m.MountPoint] = append(mt[m.MountPoint], m)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading mountinfo: %w", err)
	}
	return mt, nil
}

// parseMountinfo reads a line of mountinfo (proc(5)): ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS
// [OPTIONAL...] - FSTYPE SOURCE SUPER-OPTIONS.
func parseMountinfo(line string) (mountEntry, bool) {
	f := strings.Fields(line)
	if len(f) < 7 {
		return mountEntry{}, false
	}
	sep := -1
	for i := 6; i < len(f); i++ {
		if f[i] == "-" {
			sep = i
			break
		}
	}
	if sep < 0 || sep+1 >= len(f) {
		return mountEntry{}, false
	}
	return mountEntry{Root: unescapeMountinfo(f[3]), MountPoint: unescapeMountinfo(f[4]), FSType: f[sep+1]}, true
}

// unescapeMountinfo undoes the kernel's octal escapes of space, tab, newline and backslash (\040).
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// networkNamespace is the inode of the network namespace an nsfs mount binds ("net:[4026532281]").
func (m mountEntry) networkNamespace() (uint64, bool) {
	digits, ok := strings.CutPrefix(m.Root, "net:[")
	if !ok || m.FSType != "nsfs" {
		return 0, false
	}
	digits, ok = strings.CutSuffix(digits, "]")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	return n, err == nil && n != 0
}

// NamespaceOn says which network namespace is mounted on path, from every mount mountinfo lists
// there: its inode and how many mounts hold it, 0 and 0 when nothing is mounted there. It is an error
// for those mounts to be anything but one network namespace's: a mount lvslab cannot prove is a copy
// of the one it made.
func (mt Table) NamespaceOn(path string) (ino uint64, mounts int, err error) {
	list := mt[path]
	for _, m := range list {
		n, ok := m.networkNamespace()
		switch {
		case !ok:
			return 0, 0, fmt.Errorf("%s has %s (%s) mounted on it, which is no network namespace", path, m.FSType, m.Root)
		case ino != 0 && n != ino:
			return 0, 0, fmt.Errorf("%s has two network namespaces mounted on it (inodes %d and %d)", path, ino, n)
		}
		ino = n
	}
	return ino, len(list), nil
}

// Shows reports whether the mount a path reaches is the network namespace with inode want.
func Shows(path string, want uint64) bool {
	var fs unix.Statfs_t
	var st unix.Stat_t
	return want != 0 && unix.Statfs(path, &fs) == nil && fs.Type == unix.NSFS_MAGIC && unix.Stat(path, &st) == nil && st.Ino == want
}

// RemoveCovered removes path when a copy of the namespace want is mounted on it beneath a mount that
// is not lvslab's (see the top of this file). No umount reaches that copy here, but a file is removable
// from a mount namespace where it is no mount point, and the kernel then detaches every mount on it in
// every mount namespace. So on a thread of its own, in a private copy of this mount namespace, it
// unmounts the file's copies there (and what covers them: only that copy's), then removes the file.
func RemoveCovered(path string, want uint64) error {
	return netnsenter.OnThrowawayThread(func() error {
		// The folder is opened here first: in the copy, once its cover is unmounted, the path would lead
		// to the folder beneath, which is the same folder only when the cover was a bind of it.
		dir, err := unix.Open(filepath.Dir(path), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return &os.PathError{Op: "open", Path: filepath.Dir(path), Err: err}
		}
		defer unix.Close(dir)
		if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
			return fmt.Errorf("a mount namespace of its own, to remove %s: %w", path, err)
		}
		// Private before anything is unmounted: the copy's mounts are peers of shared originals, and an
		// unmount would propagate to them.
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			return fmt.Errorf("making its own mount namespace private, to remove %s: %w", path, err)
		}
		if err := uncover(path, want); err != nil {
			return err
		}
		if err := unix.Unlinkat(dir, filepath.Base(path), 0); err != nil {
			return &os.PathError{Op: "remove", Path: path, Err: err}
		}
		return nil
	})
}

// uncover unmounts every mount on path in this thread's private mount namespace: the one on top, and one
// beneath a cover once the cover (the folder's mount, or one above it) is unmounted.
func uncover(path string, want uint64) error {
	var covers []string
	for d := filepath.Dir(path); d != "/" && d != "."; d = filepath.Dir(d) {
		covers = append(covers, d)
	}
	for range 2 * MaxCopies {
		ino, n, err := namespaceOn(path)
		switch {
		case err != nil:
			return err
		case n == 0:
			return nil
		case ino != want:
			return fmt.Errorf("%s now has namespace %d mounted on it, not %d; left alone", path, ino, want)
		}
		if unix.Unmount(path, unix.MNT_DETACH) == nil {
			continue
		}
		uncovered := false
		for _, c := range covers {
			if unix.Unmount(c, unix.MNT_DETACH) == nil {
				uncovered = true
				break
			}
		}
		if !uncovered {
			return fmt.Errorf("%s: a copy of its namespace is mounted beneath a mount that could not be unmounted", path)
		}
	}
	return fmt.Errorf("%s: still mounted after %d unmounts", path, 2*MaxCopies)
}

// namespaceOn is Table.NamespaceOn from mountinfo read now.
func namespaceOn(path string) (ino uint64, mounts int, err error) {
	mt, err := ReadTable()
	if err != nil {
		return 0, 0, err
	}
	return mt.NamespaceOn(path)
}
