package vm

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

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
