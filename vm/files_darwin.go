package vm

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// anonFile is a file only this user can reach, for qemu to read: macOS has no memfd, and opening
// /dev/fd/N there shares the descriptor's offset, which qemu's loaders do not expect (they open a kernel
// twice, and read an initrd after seeking to its end for its size). So a named file, in a folder of its
// own that only this user may enter, removed by closeAnon.
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

// qemuPath is the path qemu opens the file by: on macOS, its name.
func qemuPath(f *os.File, _ int) string { return f.Name() }

// socketpair returns two connected stream sockets: one end for this process, non-blocking so that reads
// take deadlines, and one for qemu. macOS has no SOCK_CLOEXEC: close-on-exec is set right after, under
// the lock that keeps Go's own forks out of that window.
func socketpair(name string) (ours, theirs *os.File, err error) {
	syscall.ForkLock.RLock()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err == nil {
		unix.CloseOnExec(fds[0])
		unix.CloseOnExec(fds[1])
	}
	syscall.ForkLock.RUnlock()
	if err == nil {
		err = unix.SetNonblock(fds[0], true)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("socketpair for the %s: %w", name, err)
	}
	return os.NewFile(uintptr(fds[0]), name), os.NewFile(uintptr(fds[1]), name+" (qemu)"), nil
}
