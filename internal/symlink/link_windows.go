package symlink

import (
	"io/fs"
	"path/filepath"
)

func makeLink(target, path string) error { return writePointer(target, path) }

func read(path string) (string, error) { return readPointer(path) }

func isLink(dir string, e fs.DirEntry) bool {
	_, err := readPointer(filepath.Join(dir, e.Name()))
	return e.Type().IsRegular() && err == nil
}
