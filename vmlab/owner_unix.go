//go:build unix

package vmlab

import (
	"fmt"
	"os"
	"syscall"
)

// ownedAlone checks that a record's folder is this user's and no one else's to write: lvslab acts on what
// a record names.
func ownedAlone(path string) error {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return err
	}
	return ownedBy(path, &st)
}

// privateFolders checks the folders that hold a user's records: each theirs alone to write, and for
// anyone but root, theirs alone to read (0700), so that no other user can see or reach their labs.
func privateFolders(euid int, dirs ...string) error {
	for _, dir := range dirs {
		var st syscall.Stat_t
		stat := syscall.Stat
		if euid != 0 {
			stat = syscall.Lstat // a user's folder itself, not a link another user may point elsewhere
		}
		err := stat(dir, &st)
		switch {
		case err != nil:
			return fmt.Errorf("the records' folder %s: %w", dir, err)
		case st.Mode&syscall.S_IFMT != syscall.S_IFDIR:
			err = fmt.Errorf("%s is no folder", dir)
		case euid != 0 && (int(st.Uid) != euid || st.Mode&0o077 != 0):
			err = fmt.Errorf("%s belongs to uid %d with mode %o; expected uid %d, mode 700", dir, st.Uid, st.Mode&0o777, euid)
		case int(st.Uid) != euid || st.Mode&0o022 != 0:
			err = fmt.Errorf("%s belongs to uid %d with mode %o; expected uid %d, writable by it alone", dir, st.Uid, st.Mode&0o777, euid)
		}
		if err != nil {
			return fmt.Errorf("the records' folder is not yours alone: %v; remove it, or set LVSLAB_STATE_DIR to a folder of yours", err)
		}
	}
	return nil
}

// ownedAloneFile is ownedAlone for an open record.
func ownedAloneFile(f *os.File) error {
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		return err
	}
	return ownedBy(f.Name(), &st)
}

func ownedBy(path string, st *syscall.Stat_t) error {
	if int(st.Uid) != os.Geteuid() || st.Mode&0o022 != 0 {
		return fmt.Errorf("%s belongs to uid %d with mode %o; expected uid %d, writable by it alone", path, st.Uid, st.Mode&0o777, os.Geteuid())
	}
	return nil
}
