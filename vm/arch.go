package vm

import (
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/lvslab/lvslab/vm/kernel"
)

// ArchEnv names the environment variable that picks the guest's architecture when Options.Arch is empty,
// so that every command that boots the VM follows it.
const ArchEnv = "LVSLAB_ARCH"

// guestArch is what a guest of one architecture boots with.
type guestArch struct {
	name        string   // Debian's and Go's name: amd64, arm64
	qemu        string   // the qemu program that emulates it
	qemuPackage string   // Debian's package of that program
	machine     string   // qemu's -machine
	tcgCPU      string   // qemu's -cpu under TCG
	console     string   // the kernel's serial console
	cmdline     []string // kernel command-line words of this machine's own
	elfMachine  elf.Machine
}

var guestArches = []guestArch{
	{name: "amd64", qemu: "qemu-system-x86_64", qemuPackage: "qemu-system-x86", elfMachine: elf.EM_X86_64,
		// microvm has no PCI, firmware tables to speak of or legacy devices to probe: under TCG it reaches
		// init about as fast as the kernel allows. Without the RTC the kernel waits a second for it, twice;
		// without the PIT it cannot calibrate.
		machine: "microvm,x-option-roms=off,rtc=on,pit=on,isa-serial=on", tcgCPU: "max", console: "ttyS0",
		// microvm has one ISA serial port; do not probe for more.
		cmdline: []string{"8250.nr_uarts=1"}},
	{name: "arm64", qemu: "qemu-system-aarch64", qemuPackage: "qemu-system-arm", elfMachine: elf.EM_AARCH64,
		// virt's devices are virtio-mmio, as microvm's are, so the same -device names serve. Pointer
		// authentication with QARMA, as -cpu max has it, costs much under TCG; the implementation-defined
		// algorithm is as good for a throwaway machine. virt's default GICv2 takes 8 CPUs at most.
		machine: "virt,gic-version=3", tcgCPU: "max,pauth-impdef=on", console: "ttyAMA0"},
}

// archOf is the guest architecture asked for: name (--arch, Options.Arch), else that of the kernel
// package pkg asked for (linux-image-arm64 is arm64's), else $LVSLAB_ARCH, else that of
// $LVSLAB_KERNEL_PACKAGE, else the host's.
func archOf(name, pkg string) (guestArch, error) {
	from := "--arch"
	ofPackage := func(pkg, from string) (string, string) {
		for _, a := range guestArches {
			if strings.HasSuffix(pkg, "-"+a.name) {
				return a.name, from + " " + pkg
			}
		}
		return "", ""
	}
	if name == "" {
		name, from = ofPackage(pkg, "the kernel package")
	}
	if name == "" {
		name, from = os.Getenv(ArchEnv), "$"+ArchEnv
	}
	if name == "" {
		name, from = ofPackage(os.Getenv(kernel.PackageEnv), "$"+kernel.PackageEnv)
	}
	if name == "" {
		name, from = runtime.GOARCH, "this host's architecture"
	}
	i := slices.IndexFunc(guestArches, func(a guestArch) bool { return a.name == name })
	if i < 0 {
		return guestArch{}, fmt.Errorf("guest architecture %q (from %s): expected amd64 or arm64", name, from)
	}
	return guestArches[i], nil
}

// GuestArch is the architecture of a guest booted with Options.Arch arch and Options.Package pkg:
// amd64 or arm64.
func GuestArch(arch, pkg string) (string, error) {
	a, err := archOf(arch, pkg)
	return a.name, err
}

// x86 tells whether qemu boots the kernel's ELF vmlinux through its PVH entry (bootImage), and whether
// under TCG the guest's TSC runs at the host's rate, which the kernel is told.
func (a guestArch) x86() bool { return a.elfMachine == elf.EM_X86_64 }

// native tells whether the host's CPU runs this guest's code itself, as KVM needs.
func (a guestArch) native() bool { return a.name == runtime.GOARCH }

// GuestBinaryName is the file, beside lvslab, that is the guest's /init where lvslab itself cannot be:
// a guest of another architecture than the host's, or a host that is not Linux.
func GuestBinaryName(arch string) string { return "lvslab-linux-" + arch }

// testHookSelf, when set, stands for the running binary: a benchmark boots the lvslab users run, not
// itself (a test binary, which takes longer to reach its main under emulation).
var testHookSelf string

// guestInit is the binary the guest runs as /init: the running one for a guest of the host's own
// architecture on Linux, else GuestBinaryName beside it. It must be a static ELF executable for the guest.
func (a guestArch) guestInit() (string, error) {
	self, err := os.Executable()
	if testHookSelf != "" {
		self = testHookSelf
	}
	if err != nil {
		return "", fmt.Errorf("finding the running binary, the guest's /init or beside it: %w", err)
	}
	exe := self
	if !a.native() || runtime.GOOS != "linux" {
		if self, err = filepath.EvalSymlinks(self); err != nil {
			return "", err
		}
		exe = filepath.Join(filepath.Dir(self), GuestBinaryName(a.name))
		if _, err := os.Stat(exe); err != nil {
			return "", fmt.Errorf("an %s guest needs lvslab built for linux/%s as its /init, expected beside lvslab: %w; build it with make build (or GOOS=linux GOARCH=%s CGO_ENABLED=0 go build -o %s ./cmd/lvslab)", a.name, a.name, err, a.name, exe)
		}
	}
	return exe, checkInit(exe, a)
}

// CheckGuestBinary tells whether exe can be the /init of a guest of arch: a static ELF executable for it.
func CheckGuestBinary(exe, arch string) error {
	a, err := archOf(arch, "")
	if err != nil {
		return err
	}
	return checkInit(exe, a)
}
