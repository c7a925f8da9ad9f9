package vmlab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A user's records live only in folders that are theirs alone; root's need only be theirs to write.
func TestPrivateFolders(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: makes folders that belong to another user")
	}
	dir := t.TempDir()
	mk := func(name string, mode os.FileMode, uid int) string {
		p := filepath.Join(dir, name)
		os.Mkdir(p, mode)
		os.Chmod(p, mode)
		os.Chown(p, uid, uid)
		return p
	}
	mine, readable, theirs := mk("mine", 0o700, 1000), mk("readable", 0o755, 1000), mk("theirs", 0o700, 1001)
	rootDir := mk("root", 0o755, 0)
	os.Symlink(theirs, filepath.Join(dir, "link"))
	for _, c := range []struct {
		euid int
		dir  string
		want string
	}{
		{1000, mine, ""},
		{1000, readable, "mode 755; expected uid 1000, mode 700"},
		{1000, theirs, "belongs to uid 1001"},
		{1000, filepath.Join(dir, "link"), "is no folder"}, // a link another user could point elsewhere
		{0, rootDir, ""},
		{0, mine, "belongs to uid 1000"},
	} {
		err := privateFolders(c.euid, c.dir)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "LVSLAB_STATE_DIR")) {
			t.Errorf("uid %d, %s: %v, want %q", c.euid, c.dir, err, c.want)
		}
	}
}

// Once a user's last lab is down, their records folders go too; root's /run/lvslab and a folder the user
// named themselves stay.
func TestRemoveEmptyFolders(t *testing.T) {
	for _, c := range []struct {
		euid       int
		base       string
		busy, gone bool
	}{
		{1000, "lvslab-1000", false, true},
		{1000, "lvslab", false, true},
		{1000, "lvslab-1000", true, false},
		{1000, "my-labs", false, false},
		{0, "lvslab", false, false},
	} {
		stateDir := filepath.Join(t.TempDir(), c.base)
		os.MkdirAll(Dir(stateDir), 0o700)
		if c.busy {
			os.WriteFile(filepath.Join(Dir(stateDir), "other.json"), nil, 0o600)
		}
		removeEmptyFolders(c.euid, stateDir)
		_, err := os.Stat(stateDir)
		if gone := os.IsNotExist(err); gone != c.gone {
			t.Errorf("uid %d, %s (another lab's record: %v): removed %v, want %v", c.euid, c.base, c.busy, gone, c.gone)
		}
	}
}

// A Down of a user's last lab removes the empty records' folder; an Up that made it a moment before makes
// it again, whichever of its steps the removal falls between.
func TestLockRecordsOutlivesADownRemovingTheFolder(t *testing.T) {
	for _, window := range []string{"after mkdir", "after the check"} {
		stateDir := filepath.Join(t.TempDir(), "lvslab")
		removeOnce := func(attempt int) {
			if attempt == 0 {
				os.Remove(Dir(stateDir)) // what removeEmptyFolders does for a Down
				os.Remove(stateDir)
			}
		}
		oldMkdir, oldCheck := afterMkdir, afterCheck
		if window == "after mkdir" {
			afterMkdir = removeOnce
		} else {
			afterCheck = removeOnce
		}
		lock, err := lockRecords(stateDir, "nat")
		afterMkdir, afterCheck = oldMkdir, oldCheck
		if err != nil {
			t.Errorf("the folder removed %s: %v, want the lock taken", window, err)
			continue
		}
		lock.Release(true)
	}
}
