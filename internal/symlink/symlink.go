// Package symlink points a link of a cache at another entry beside it, atomically: a symbolic link, or on
// Windows, where making one takes a privilege most users lack, a small file that names the entry.
package symlink

import (
	"io/fs"
	"os"
	"path/filepath"
)

// Point makes dir/name a link to target (a name beside it) in one rename, so that readers find the old
// target or the new one, never none; a link that points there already is left as it is. The temporary
// link it renames is .tmp-<name>, which a cache's clean-up of dead runs removes.
func Point(dir, name, target string) error {
	if t, err := Read(dir, name); err == nil && t == target {
		return nil
	}
	tmp := filepath.Join(dir, ".tmp-"+name)
	os.Remove(tmp)
	if err := makeLink(target, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// Read is the target of the link dir/name, or an error when there is none.
func Read(dir, name string) (string, error) { return read(filepath.Join(dir, name)) }

// Is tells whether the entry e of dir is a link, as Point makes them.
func Is(dir string, e fs.DirEntry) bool { return isLink(dir, e) }
