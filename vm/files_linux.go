package vm

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// anonFile is a file in memory only (a memfd), which qemu inherits and nothing else can reach.
func anonFile(name string) (*os.File, error) {
	fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	return os.NewFile(uintptr(fd), name), nil
}

// closeAnon closes a file of anonFile's, which goes with it.
func closeAnon(f *os.File) { f.Close() }

// qemuPath is the path by which qemu, which inherits f as its descriptor fd, opens it: on Linux
// /proc/self/fd/N, which opens the file anew, at offset 0.
func qemuPath(_ *os.File, fd int) string { return "/proc/self/fd/" + strconv.Itoa(fd) }

// socketpair returns two connected stream sockets: one end for this process, non-blocking so that reads
// take deadlines, and one for qemu.
func socketpair(name string) (ours, theirs *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err == nil {
		err = unix.SetNonblock(fds[0], true)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("socketpair for the %s: %w", name, err)
	}
	return os.NewFile(uintptr(fds[0]), name), os.NewFile(uintptr(fds[1]), name+" (qemu)"), nil
}
