//go:build !linux

package vm

import (
	"os"
	"path/filepath"
	"strings"
)

// anonFile is a file only this user can reach, for qemu to read: macOS has no memfd, and opening
// /dev/fd/N there shares the descriptor's offset, which qemu's loaders do not expect (they open a kernel
// twice, and read an initrd after seeking to its end for its size); Windows's qemu inherits no file at
// all. So a named file, in a folder of its own that only this user may enter (the user's temporary
// folder on Windows), removed by closeAnon.
func anonFile(name string) (*os.File, error) {
	dir, err := os.MkdirTemp("", "lvslab-qemu-")
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return f, nil
}

// closeAnon closes a file of anonFile's and removes it with its folder.
func closeAnon(f *os.File) {
	f.Close()
	if dir := filepath.Dir(f.Name()); strings.HasPrefix(filepath.Base(dir), "lvslab-qemu-") {
		os.RemoveAll(dir)
	}
}

// qemuPath is the path qemu opens the file by: its name.
func qemuPath(f *os.File, _ int) string { return f.Name() }
