// Package dirsize adds up what the files under a folder hold.
package dirsize

import (
	"io/fs"
	"path/filepath"
)

// Bytes is the size of the regular files under dir; what cannot be read counts nothing.
func Bytes(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
