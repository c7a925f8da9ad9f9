package vm

import (
	"golang.org/x/sys/unix"
)

var hostAccel = hwAccels[1] // HVF

// probeHW asks macOS whether Hypervisor.framework is there (kern.hv_support = 1: a Mac with VT-x and EPT,
// or Apple Silicon, not itself a VM without nested virtualization). A Mac that says yes may still fail to
// boot the guest under HVF: the boot watchdog catches that, as it does for KVM.
func probeHW() hwState { return hvfState(unix.SysctlUint32("kern.hv_support")) }

func hostAccelKey() memoKey {
	var k memoKey
	k.HostKernel, _ = unix.Sysctl("kern.osrelease")
	k.Device, _ = unix.Sysctl("hw.model")
	return k
}
