//go:build unix

package fds

import (
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// CloseOnExecInherited marks every open descriptor above stderr close-on-exec. Go opens its own files so;
// what it finds without the flag was inherited from whoever started this process (a CI harness's pipe,
// make's jobserver, a shell's `200>&1`), and a long-lived child that kept it would hold that pipe open,
// and whoever waits on its other end, for as long as the child lives. Children get what exec.Cmd's
// Stdin, Stdout, Stderr and ExtraFiles name, and nothing else.
func CloseOnExecInherited() error {
	dir := "/dev/fd" // macOS's
	if runtime.GOOS == "linux" {
		dir = "/proc/self/fd"
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		fd, err := strconv.Atoi(e.Name())
		if err != nil || fd <= 2 {
			continue
		}
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err != nil || flags&unix.FD_CLOEXEC != 0 {
			continue // closed meanwhile (the directory's own descriptor), or already marked
		}
		unix.FcntlInt(uintptr(fd), unix.F_SETFD, flags|unix.FD_CLOEXEC)
	}
	return nil
}
