// Package symlink points a link of a cache at another entry beside it, atomically.
package symlink

import (
	"os"
	"path/filepath"
)

// Point makes dir/name a symbolic link to target (a name beside it) in one rename, so that readers find
// the old target or the new one, never none; a link that points there already is left as it is. The
// temporary link it renames is .tmp-<name>, which a cache's clean-up of dead runs removes.
func Point(dir, name, target string) error {
	link := filepath.Join(dir, name)
	if t, err := os.Readlink(link); err == nil && t == target {
		return nil
	}
	tmp := filepath.Join(dir, ".tmp-"+name)
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, link); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
