package vm

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// anonFile is a file no other process can reach: macOS has no memfd, so a temporary file removed as soon
// as it is made, which lives on while open (qemu inherits it).
func anonFile(name string) (*os.File, error) {
	f, err := os.CreateTemp("", name+"-*")
	if err != nil {
		return nil, err
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, fmt.Errorf("removing the name of %s: %w", f.Name(), err)
	}
	return f, nil
}

// fdPath is the path by which a process opens its own descriptor fd: on macOS, /dev/fd/N, which shares
// the descriptor's offset (rewind puts it at the start).
func fdPath(fd int) string { return "/dev/fd/" + strconv.Itoa(fd) }

// socketpair returns two connected stream sockets: one end for this process, non-blocking so that reads
// take deadlines, and one for qemu. macOS has no SOCK_CLOEXEC: close-on-exec is set right after, and
// lvslab starts no other process meanwhile (fds.CloseOnExecInherited runs before qemu starts).
func socketpair(name string) (ours, theirs *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err == nil {
		unix.CloseOnExec(fds[0])
		unix.CloseOnExec(fds[1])
		err = unix.SetNonblock(fds[0], true)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("socketpair for the %s: %w", name, err)
	}
	return os.NewFile(uintptr(fds[0]), name), os.NewFile(uintptr(fds[1]), name+" (qemu)"), nil
}
