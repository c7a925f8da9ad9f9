//go:build unix

package symlink

import (
	"io/fs"
	"os"
)

func makeLink(target, path string) error { return os.Symlink(target, path) }

func read(path string) (string, error) { return os.Readlink(path) }

func isLink(_ string, e fs.DirEntry) bool { return e.Type()&fs.ModeSymlink != 0 }
