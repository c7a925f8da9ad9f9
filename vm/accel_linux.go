package vm

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

var hostAccel = hwAccels[0] // KVM

// kvmDevice and sysModule are where the host's KVM is looked for; tests point them elsewhere.
var (
	kvmDevice = "/dev/kvm"
	sysModule = "/sys/module"
)

// ioctls of /dev/kvm (linux/kvm.h: _IO(KVMIO, 0x00) and _IO(KVMIO, 0x01)).
const (
	kvmGetAPIVersion = 0xAE00
	kvmCreateVM      = 0xAE01
	kvmAPIVersion    = 12 // the only version there has ever been
)

// probeHW rules out the KVMs that can be known not to boot a stock kernel without starting qemu: no
// device, one this user cannot open, one that does not answer as KVM or will not create a VM, and a PVM
// device. A /dev/kvm that passes may still fail (nested hypervisors, half-working CI runners): the boot
// watchdog catches those.
func probeHW() hwState {
	if why := openKVM(); why != "" {
		return hwState{why: why}
	}
	if isPVM() {
		return hwState{pvm: true, why: fmt.Sprintf("%s is a PVM device (kvm_pvm is loaded, kvm_intel and kvm_amd are not), which runs only guests built for PVM, not a stock kernel", kvmDevice)}
	}
	return hwState{usable: true, found: kvmDevice}
}

// openKVM opens the device and asks it for a VM, as qemu will; it returns why that failed, or "".
func openKVM() string {
	f, err := os.OpenFile(kvmDevice, os.O_RDWR|unix.O_CLOEXEC, 0)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Sprintf("there is no %s", kvmDevice)
	case errors.Is(err, os.ErrPermission):
		return fmt.Sprintf("%s does not open read-write for this user (add yourself to its group, often kvm)", kvmDevice)
	case err != nil:
		return fmt.Sprintf("%s does not open: %v", kvmDevice, err)
	}
	defer f.Close()
	fd := int(f.Fd())
	v, err := unix.IoctlRetInt(fd, kvmGetAPIVersion)
	if err != nil {
		return fmt.Sprintf("%s does not answer KVM_GET_API_VERSION (%v): it is not a KVM device", kvmDevice, err)
	}
	if v != kvmAPIVersion {
		return fmt.Sprintf("%s answers KVM_GET_API_VERSION with %d, expected %d", kvmDevice, v, kvmAPIVersion)
	}
	vmfd, err := unix.IoctlRetInt(fd, kvmCreateVM)
	if err != nil {
		return fmt.Sprintf("%s refuses KVM_CREATE_VM (%v)", kvmDevice, err)
	}
	unix.Close(vmfd)
	return ""
}

// isPVM tells whether the host's KVM is PVM (pagetable-based virtual machines, for hosts without VMX or
// SVM): kvm_pvm loaded and no hardware KVM beside it.
func isPVM() bool {
	return moduleLoaded("kvm_pvm") && !moduleLoaded("kvm_intel") && !moduleLoaded("kvm_amd")
}

func moduleLoaded(name string) bool {
	_, err := os.Stat(filepath.Join(sysModule, name))
	return err == nil
}

// hostAccelKey is what a remembered verdict on KVM holds for: the host's kernel, its /dev/kvm, and the
// KVM modules loaded.
func hostAccelKey() memoKey {
	var k memoKey
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		k.HostKernel = unix.ByteSliceToString(u.Release[:])
	}
	var st unix.Stat_t
	if unix.Stat(kvmDevice, &st) == nil {
		k.Device = fmt.Sprintf("%d:%d", unix.Major(st.Rdev), unix.Minor(st.Rdev))
	}
	var mods []string
	for _, m := range []string{"kvm", "kvm_intel", "kvm_amd", "kvm_pvm"} {
		if moduleLoaded(m) {
			mods = append(mods, m)
		}
	}
	k.KVMModules = strings.Join(mods, ",")
	return k
}
