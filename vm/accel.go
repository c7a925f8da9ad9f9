package vm

import (
	"fmt"
	"os"
	"runtime"
	"strings"
)

// Accelerators qemu can run the VM under. Auto picks the host's hardware accelerator (KVM on Linux, HVF
// on macOS, WHPX on Windows) when it can boot a stock kernel, else TCG.
const (
	AccelAuto = "auto"
	AccelKVM  = "kvm"
	AccelHVF  = "hvf"
	AccelWHPX = "whpx"
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
	case AccelAuto, AccelTCG, hostAccel.name:
		return mode, from, nil
	}
	for _, hw := range hwAccels {
		if hw.name == mode {
			return "", "", fmt.Errorf("accelerator %q (from %s) is %s's, and this is %s: expected auto, %s or tcg", mode, from, hw.os, runtime.GOOS, hostAccel.name)
		}
	}
	return "", "", fmt.Errorf("accelerator %q (from %s): expected auto, %s or tcg", mode, from, hostAccel.name)
}

// hwProbe tells whether the host's hardware accelerator is worth trying. Tests replace it.
var hwProbe = probeHW

// hwState is what probeHW found: whether the accelerator can be tried, whether it is a PVM KVM, and why
// not.
type hwState struct {
	usable bool
	pvm    bool
	why    string
	found  string // what the probe found usable (/dev/kvm), for people
}

// hwAccel is a host OS's hardware accelerator, as qemu names and runs it.
type hwAccel struct {
	name string   // --accel's word and qemu's: kvm, hvf, whpx
	args []string // qemu's arguments under it
	os   string   // the OS it belongs to, for people
}

// title is the accelerator's name for people: KVM, HVF, WHPX.
func (h hwAccel) title() string { return strings.ToUpper(h.name) }

// hwAccels are the hardware accelerators lvslab knows: one per host OS (hostAccel is this host's).
var hwAccels = []hwAccel{
	{name: AccelKVM, args: []string{"-accel", "kvm", "-cpu", "host"}, os: "Linux"},
	// Hypervisor.framework: qemu's -cpu host is the Mac's own CPU, Intel or Apple Silicon.
	{name: AccelHVF, args: []string{"-accel", "hvf", "-cpu", "host"}, os: "macOS"},
	// The Windows Hypervisor Platform: qemu's own interrupt controller (kernel-irqchip=off), which every
	// qemu release with WHPX runs a Linux guest with; -cpu max is the host's features that WHPX passes.
	{name: AccelWHPX, args: []string{"-accel", "whpx,kernel-irqchip=off", "-cpu", "max"}, os: "Windows"},
}

// accelPlan is the accelerator a run starts with, why, and whether a failed boot under it falls back to TCG.
type accelPlan struct {
	hw       bool // the host's hardware accelerator (hostAccel), not TCG
	why      string
	fallback bool   // auto chose the hardware accelerator: a boot that fails falls back to TCG
	memo     *memo  // where an accelerator that cannot boot is remembered; nil if the cache is not writable
	probeWhy string // why the probe would have ruled the hardware accelerator out, when --accel overrode it
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
	hw := hostAccel
	if !a.native() {
		if mode == hw.name {
			return nil, fmt.Errorf("%s=%s, but the guest is %s and this host %s: %s runs only the host's own architecture; use --accel tcg (or auto, the default)", from, hw.name, a.name, runtime.GOARCH, hw.title())
		}
		return &accelPlan{why: fmt.Sprintf("an %s guest on this %s host: only TCG emulates another architecture", a.name, runtime.GOARCH), memo: mem}, nil
	}
	switch mode {
	case AccelTCG:
		return &accelPlan{why: from + "=tcg", memo: mem}, nil
	case hw.name:
		st := hwProbe()
		// A PVM device cannot boot Debian's kernel, but it may boot a kernel of the user's built for PVM.
		switch {
		case !st.usable && !st.pvm:
			return nil, fmt.Errorf("%s=%s, but %s; use --accel tcg (or auto, the default)", from, hw.name, st.why)
		case st.pvm && opts.Kernel == "":
			return nil, fmt.Errorf("%s=%s, but the %s here cannot boot a stock kernel: %s; use --accel tcg (or auto, the default)", from, hw.name, hw.title(), st.why)
		}
		return &accelPlan{hw: true, why: from + "=" + hw.name, memo: mem, probeWhy: st.why}, nil
	}
	st := hwProbe()
	if !st.usable {
		return &accelPlan{why: st.why, memo: mem}, nil
	}
	if v := mem.recalled(); v != nil {
		return &accelPlan{why: fmt.Sprintf("%s failed to boot the kernel here before (%s; remembered in %s, delete it to try %s again)", hw.title(), v.Why, mem.path, hw.title()), memo: mem}, nil
	}
	return &accelPlan{hw: true, why: st.found + " is usable", fallback: true, memo: mem}, nil
}

// PlannedAccel is the accelerator a machine booted with opts would try first (kvm, hvf, whpx or tcg) and why; it
// boots nothing.
func PlannedAccel(opts Options) (accel, why string, err error) {
	plan, err := planAccel(&opts)
	if err != nil {
		return "", "", err
	}
	return accelWord(plan.hw), plan.why, nil
}

// accelWord is the accelerator a run is under as --accel and Result.Accel say it: hostAccel's, or tcg.
func accelWord(hw bool) string {
	if hw {
		return hostAccel.name
	}
	return AccelTCG
}

// accelName is accelWord for people: KVM, HVF, TCG.
func accelName(hw bool) string { return strings.ToUpper(accelWord(hw)) }
