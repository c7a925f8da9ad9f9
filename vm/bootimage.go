package vm

import (
	"context"
	"os"

	"github.com/lvslab/lvslab/vm/kernel"
)

// bootImage picks what qemu boots: the kernel's vmlinux; else one extracted now into an anonymous file
// (returned, for qemu to inherit as fdKernel); else the bzImage as it is.
func bootImage(ctx context.Context, k *kernel.Kernel) (string, *os.File) {
	if k.Vmlinux != "" {
		return k.Vmlinux, nil
	}
	f, err := anonFile("lvslab-vmlinux")
	if err != nil {
		return k.Vmlinuz, nil
	}
	if kernel.ExtractVmlinux(ctx, k.Vmlinuz, f) != nil || !kernel.PVHEntryIn(f) {
		closeAnon(f)
		return k.Vmlinuz, nil
	}
	return qemuPath(f, fdKernel), f
}
