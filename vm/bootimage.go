package vm

import (
	"context"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/lvslab/lvslab/vm/kernel"
)

// bootImage picks what qemu boots: the kernel's vmlinux; else one extracted now into a memfd (returned,
// for qemu to inherit as fdKernel); else the bzImage as it is.
func bootImage(ctx context.Context, k *kernel.Kernel) (string, *os.File) {
	if k.Vmlinux != "" {
		return k.Vmlinux, nil
	}
	fd, err := unix.MemfdCreate("lvslab-vmlinux", unix.MFD_CLOEXEC)
	if err != nil {
		return k.Vmlinuz, nil
	}
	f := os.NewFile(uintptr(fd), "lvslab-vmlinux")
	path := "/proc/self/fd/" + strconv.Itoa(fd)
	if kernel.ExtractVmlinux(ctx, k.Vmlinuz, f) != nil || !kernel.HasPVHEntry(path) {
		f.Close()
		return k.Vmlinuz, nil
	}
	return "/proc/self/fd/" + strconv.Itoa(fdKernel), f
}
