package vm

import (
	"errors"
	"strings"
	"time"
)

// How long the guest's /init gets to show it runs, from qemu's start. A working KVM gets there in about a
// second and TCG in 2-3 s on a 2-core machine; the margin is for a loaded machine (make test boots VMs
// while it compiles), not for a hung one.
var (
	bootTimeoutKVM = 10 * time.Second
	bootTimeoutTCG = 30 * time.Second
)

func (m *machine) bootTimeout(opts *Options) time.Duration {
	switch {
	case opts.BootTimeout > 0:
		return opts.BootTimeout
	case m.cfg.hw:
		return bootTimeoutKVM
	}
	return bootTimeoutTCG
}

// againIfStalled boots once more when the boot failed under TCG before the guest's /init at no fault of the
// kernel's or qemu's: it stalled (qemu alive, the console stopped partway through the kernel's start) or
// the guest reset itself (qemu exited 0: a kernel panic, with -no-reboot; TCG's emulation of the kernel
// patching its own code has been seen to oops in 6.12's start). Either happens to about one TCG boot in
// several hundred on a loaded machine, at no fixed point, and the next boot does not meet it; a kernel or
// qemu that cannot boot fails twice, and the error says so.
func againIfStalled[T any](opts *Options, boot func() (T, error)) (T, error) {
	r, err := boot()
	var be *bootError
	if !errors.As(err, &be) || !(be.stalled || be.reset) || be.accel != accelName(false) {
		return r, err
	}
	opts.notice("microVM: %s%s; booting it once more", be.what, lastConsoleLine(be.tail))
	r, err = boot()
	if errors.As(err, &be) && (be.stalled || be.reset) {
		be.what += ", for the second time in a row"
	}
	return r, err
}

// lastConsoleLine is ", the console's last line: …" from a boot error's tail, or "".
func lastConsoleLine(tail string) string {
	lines := strings.Split(strings.TrimRight(tail, "\n"), "\n")
	if last := strings.TrimSpace(lines[len(lines)-1]); strings.HasPrefix(last, "[") {
		return ", the console's last line: " + last
	}
	return ", the console silent"
}

// bootError is a VM that never ran the command because the machine failed under it: qemu said its
// accelerator cannot run the guest, the guest's /init did not start in time, or qemu exited first.
type bootError struct {
	accel      string // KVM or TCG
	what       string // what happened
	accelFault bool   // qemu named the accelerator
	beforeInit bool   // nothing of the command ran, so another boot may take its place
	stalled    bool   // the watchdog ended it: qemu ran on, and the guest's /init never started
	reset      bool   // qemu exited 0 before the guest's /init: the guest reset itself (a kernel panic)
	advice     string // what to do, set by Run once it knows how the accelerator was chosen
	tail       string // what qemu said and the console's last lines
}

func (e *bootError) Error() string {
	msg := e.what
	if e.advice != "" {
		msg += "\n" + e.advice
	}
	return msg + e.tail
}

// adviseFor says what to do about a boot that failed under the accelerator plan p.
func (e *bootError) adviseFor(p *accelPlan) {
	var a []string
	switch {
	case e.accel == hostAccel.title() && p.probeWhy != "":
		a = append(a, "the "+hostAccel.title()+" here cannot boot a stock kernel: "+p.probeWhy+"; use --accel tcg (or auto, the default), or LVSLAB_ACCEL=tcg")
	case e.accel == hostAccel.title():
		a = append(a, "the "+hostAccel.title()+" here cannot boot the kernel; use --accel tcg (or LVSLAB_ACCEL=tcg)")
	case !e.accelFault && strings.Contains(e.what, "did not start within"):
		a = append(a, "under TCG the kernel reaches /init in a few seconds: the machine may be overloaded (raise --boot-timeout), or qemu or the kernel is broken (see below)")
	default:
		a = append(a, "check that qemu-system-x86_64 runs (qemu-system-x86_64 --version) and that the kernel is a bootable x86-64 vmlinuz")
	}
	e.advice = strings.Join(a, "\n")
}
