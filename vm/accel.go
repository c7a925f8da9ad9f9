package vm

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// Accelerators qemu can run the VM under. Auto picks KVM when it can boot a stock kernel, else TCG.
const (
	AccelAuto = "auto"
	AccelKVM  = "kvm"
	AccelTCG  = "tcg"
)

// AccelEnv names the environment variable that picks the accelerator when Options.Accel is empty, so that
// every command that boots the VM (lvslab vm, test, demo, up, make test) follows it.
const AccelEnv = "LVSLAB_ACCEL"

// accelMode is Options.Accel, else $LVSLAB_ACCEL, else auto, and where that came from.
func (o *Options) accelMode() (mode, from string, err error) {
	mode, from = o.Accel, "--accel"
	if mode == "" {
		mode, from = os.Getenv(AccelEnv), "$"+AccelEnv
	}
	if mode == "" {
		return AccelAuto, "", nil
	}
	switch mode {
	case AccelAuto, AccelKVM, AccelTCG:
		return mode, from, nil
	}
	return "", "", fmt.Errorf("accelerator %q (from %s): expected auto, kvm or tcg", mode, from)
}

// kvmDevice and sysModule are where the host's KVM is looked for; tests point them elsewhere.
var (
	kvmDevice = "/dev/kvm"
	sysModule = "/sys/module"
)

// kvmProbe tells whether KVM is worth trying. Tests replace it.
var kvmProbe = probeKVM

// kvmState is what probeKVM found: whether the device can be tried, whether it is PVM, and why not.
type kvmState struct {
	usable bool
	pvm    bool
	why    string
}

// ioctls of /dev/kvm (linux/kvm.h: _IO(KVMIO, 0x00) and _IO(KVMIO, 0x01)).
const (
	kvmGetAPIVersion = 0xAE00
	kvmCreateVM      = 0xAE01
	kvmAPIVersion    = 12 // the only version there has ever been
)

// probeKVM rules out the KVMs that can be known not to boot a stock kernel without starting qemu: no
// device, one this user cannot open, one that does not answer as KVM or will not create a VM, and a PVM
// device. A /dev/kvm that passes may still fail (nested hypervisors, half-working CI runners): the boot
// watchdog catches those.
func probeKVM() kvmState {
	if why := openKVM(); why != "" {
		return kvmState{why: why}
	}
	if isPVM() {
		return kvmState{pvm: true, why: fmt.Sprintf("%s is a PVM device (kvm_pvm is loaded, kvm_intel and kvm_amd are not), which runs only guests built for PVM, not a stock kernel", kvmDevice)}
	}
	return kvmState{usable: true}
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

// accelPlan is the accelerator a run starts with, why, and whether a failed boot under it falls back to TCG.
type accelPlan struct {
	kvm      bool
	why      string
	fallback bool   // auto chose KVM: a boot that fails falls back to TCG
	memo     *memo  // where a KVM that cannot boot is remembered; nil if the cache is not writable
	probeWhy string // why the probe would have ruled KVM out, when --accel kvm overrode it
}

// planAccel decides how the first boot runs.
func planAccel(opts *Options) (*accelPlan, error) {
	mode, from, err := opts.accelMode()
	if err != nil {
		return nil, err
	}
	mem := openMemo(opts.Cache)
	a, err := archOf(opts.Arch, opts.Package)
	if err != nil {
		return nil, err
	}
	if !a.native() {
		if mode == AccelKVM {
			return nil, fmt.Errorf("%s=kvm, but the guest is %s and this host %s: KVM runs only the host's own architecture; use --accel tcg (or auto, the default)", from, a.name, runtime.GOARCH)
		}
		return &accelPlan{why: fmt.Sprintf("an %s guest on this %s host: only TCG emulates another architecture", a.name, runtime.GOARCH), memo: mem}, nil
	}
	switch mode {
	case AccelTCG:
		return &accelPlan{why: from + "=tcg", memo: mem}, nil
	case AccelKVM:
		st := kvmProbe()
		// A PVM device cannot boot Debian's kernel, but it may boot a kernel of the user's built for PVM.
		switch {
		case !st.usable && !st.pvm:
			return nil, fmt.Errorf("%s=kvm, but %s; use --accel tcg (or auto, the default)", from, st.why)
		case st.pvm && opts.Kernel == "":
			return nil, fmt.Errorf("%s=kvm, but the KVM here cannot boot a stock kernel: %s; use --accel tcg (or auto, the default)", from, st.why)
		}
		return &accelPlan{kvm: true, why: from + "=kvm", memo: mem, probeWhy: st.why}, nil
	}
	if st := kvmProbe(); !st.usable {
		return &accelPlan{why: st.why, memo: mem}, nil
	}
	if v := mem.recalled(); v != nil {
		return &accelPlan{why: fmt.Sprintf("KVM failed to boot the kernel here before (%s; remembered in %s, delete it to try KVM again)", v.Why, mem.path), memo: mem}, nil
	}
	return &accelPlan{kvm: true, why: kvmDevice + " is usable", fallback: true, memo: mem}, nil
}

// PlannedAccel is the accelerator a machine booted with opts would try first, kvm or tcg, and why; it
// boots nothing.
func PlannedAccel(opts Options) (accel, why string, err error) {
	plan, err := planAccel(&opts)
	if err != nil {
		return "", "", err
	}
	return strings.ToLower(accelName(plan.kvm)), plan.why, nil
}

func accelName(kvm bool) string {
	if kvm {
		return "KVM"
	}
	return "TCG"
}
