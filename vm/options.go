// Package vm runs a command inside a throwaway qemu microVM that boots a stock Debian kernel, for hosts
// whose kernel lacks IPVS or where lvslab may not touch the kernel. The guest's root is Debian's userland
// from a read-only disk, or the host's root over 9p, writable through an overlay; the running lvslab binary
// is the guest's /init, and the command's output, result files and exit code come back over a virtio
// serial port.
package vm

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	"github.com/lvslab/lvslab/vm/kernel"
	"github.com/lvslab/lvslab/vm/proto"
	"github.com/lvslab/lvslab/vm/userland"
)

// Options says what to run in the VM and how to build it. Zero values pick the defaults.
type Options struct {
	Argv    []string // the command; Argv[0] is looked up in PATH on the host
	Env     []string // the command's environment; nil means the host's
	Dir     string   // the command's working directory; empty means the host's
	Stdout  io.Writer
	Stderr  io.Writer
	Outputs []string // absolute paths of files the command writes, copied back to the host afterwards
	// Modules (names or aliases) are loaded with their dependencies before the command. Others load on
	// demand: the guest's modprobe, which both the kernel and the command call, is this binary.
	Modules []string
	// OptionalModules are loaded as Modules are, where the kernel has them (a scheduler newer than it, say).
	OptionalModules []string

	Memory  int           // MiB; default 1024
	CPUs    int           // default 2
	Timeout time.Duration // the whole run, boot included; default 10 minutes

	// Accel is auto, kvm or tcg; default $LVSLAB_ACCEL, else auto: KVM where it can boot a stock kernel
	// (a KVM boot that fails falls back to TCG, and the host remembers it), TCG elsewhere.
	Accel string
	// BootTimeout is how long the guest's /init gets to start; default 10 s under KVM, 30 s under TCG.
	BootTimeout time.Duration
	// Self, when set, is the name under which the command finds on its PATH the binary that booted the
	// VM (the running one, which is the guest's /init): "lvslab", so that scripts in the VM can call it.
	Self string
	// Notices receives one-line notices of how the VM runs (the accelerator and why); nil drops them.
	Notices io.Writer

	// Name is qemu's -name, which tells its process apart (default: lvslab-<pid>-<random>). It must
	// begin with "lvslab-" and hold only letters, digits and dashes.
	Name string

	secret string // set by Boot: the machine serves commands that come with it (hex)

	// Share is a host folder a machine that serves (Boot) shares read-write, at the same path in the
	// machine, for its whole life: what commands write there lands on the host. Nothing else of the host
	// is writable from the machine. Empty: none. See CheckShare.
	Share string
	// Userland is the root the guest's programs come from: a tree of Debian's packages (package userland)
	// instead of the host's own root. The host's folders the command needs are reached there all the
	// same (Job.Binds).
	Userland string
	// UserlandFrom, when Userland is empty, says where the programs come from: userland.FromHost,
	// userland.FromDebian (built into the cache first), or "" for userland.Source's default.
	UserlandFrom string
	userlandSays string // what EnsureUserland found, for Result.Userland
	userlandDisk string // the same userland as an EROFS image, which the guest mounts from a read-only disk
	// outputsFrom maps an output's path in a guest that reaches no host folder to Outputs' path on the host.
	outputsFrom map[string]string
	// OnStart, for Boot, is called with each machine as soon as its qemu runs (its pid known), before the
	// machine can outlive this process; an error stops the boot. Called again for a retry under TCG.
	OnStart func(*Machine) error

	// Package is the Debian package whose kernel boots, e.g. linux-image-6.12-amd64 (the 6.12 kernel, with
	// ip_vs_twos) or a versioned one such as linux-image-6.12.117+deb12-amd64; default
	// $LVSLAB_KERNEL_PACKAGE, else linux-image-amd64 (Debian 12: 6.1). Kernels of several packages share
	// the cache.
	Package    string
	Kernel     string    // a vmlinuz to boot instead of Debian's, with ModulesDir
	ModulesDir string    // its module tree: lib/modules/<version> or a root that holds it
	Cache      string    // the kernel cache; default kernel.CacheDir()
	Mirror     string    // the Debian mirror kernels are fetched from; default debian.FindMirror's
	Suite      string    // the Debian release of the kernel and the userland; default debian.SuiteFromEnv()
	Console    io.Writer // the kernel console; when nil its last lines go into errors
	// Arch is the guest's architecture, amd64 or arm64; default $LVSLAB_ARCH, else the host's. A guest of
	// another architecture than the host's runs under TCG, with lvslab-linux-<arch> beside lvslab as /init.
	Arch string
}

// Result is how a run ended.
type Result struct {
	ExitCode   int           // the command's; 128+n when signal n killed it
	BootToInit time.Duration // from starting qemu to the guest's /init saying hello (see KernelToInit)
	Total      time.Duration // from starting qemu to its exit, of the boot that ran the command
	Accel      string        // the accelerator that ran the command: kvm or tcg
	// AccelFallback says why KVM was tried first and failed, when the command ran under TCG after it.
	AccelFallback string
	Kernel        kernel.Kernel // the kernel that booted
	CPUs          int           // the machine's
	// Timings are the phases the guest's /init went through, from the kernel's start.
	Timings []proto.Timing
	// Userland says where the guest's programs came from (userland.Image.Describe, or the host's root).
	Userland string
	Arch     string // the guest's architecture: amd64 or arm64
}

func (o *Options) notice(format string, args ...any) {
	if o.Notices != nil {
		fmt.Fprintf(o.Notices, "lvslab: "+format+"\n", args...)
	}
}

func (o *Options) setDefaults() {
	if o.Memory == 0 {
		o.Memory = 1024
	}
	if o.CPUs == 0 {
		o.CPUs = 2
	}
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Minute
	}
}

// EnsureKernel returns the kernel opts boots (kernel.Ensure), fetching it into the cache first if need be.
func EnsureKernel(ctx context.Context, opts Options) (*kernel.Kernel, error) {
	a, err := archOf(opts.Arch, opts.Package)
	if err != nil {
		return nil, err
	}
	return kernel.Ensure(ctx, kernel.Choice{Package: opts.Package, Vmlinuz: opts.Kernel, Modules: opts.ModulesDir,
		Cache: opts.Cache, Mirror: opts.Mirror, Suite: opts.Suite, Arch: a.name, Notices: opts.Notices})
}

// KernelToInit is from starting qemu to the guest's kernel running /init, on the host's clock: BootToInit less
// the time /init took from the kernel's exec to its hello (Go's runtime and lvslab's packages starting), as
// the guest's clock measured it. Without the kernel's record of that exec among Timings, BootToInit.
func (r *Result) KernelToInit() time.Duration {
	ran, ok := r.phase(proto.PhaseKernelRanInit)
	main, ok2 := r.phase("init")
	if !ok || !ok2 || main < ran || main-ran > r.BootToInit {
		return r.BootToInit
	}
	return r.BootToInit - (main - ran)
}

// phase is when the guest reached the named phase, on its clock.
func (r *Result) phase(name string) (time.Duration, bool) {
	for _, t := range r.Timings {
		if t.Phase == name {
			return t.At, true
		}
	}
	return 0, false
}

// Summary is the line a command prints after a run: the accelerator (and the guest's architecture), the
// kernel's time to /init, and the whole time as the caller saw it (total).
func (r *Result) Summary(total time.Duration) string {
	accel := strings.ToUpper(r.Accel)
	if r.Arch != "" {
		accel += ", " + r.Arch
	}
	return fmt.Sprintf("lvslab: microVM (%s): kernel booted to init in %.1f s; %.1f s in all", accel, r.KernelToInit().Seconds(), total.Seconds())
}

// EnsureUserland sets opts.Userland to the tree of Debian's packages when opts asks for it, building it
// into the cache first if need be.
func EnsureUserland(ctx context.Context, opts *Options) error {
	if opts.Userland != "" {
		return nil
	}
	a, err := archOf(opts.Arch, opts.Package)
	if err != nil {
		return err
	}
	from, err := userland.Source(opts.UserlandFrom)
	if err != nil {
		return err
	}
	if from == userland.FromHost {
		if !a.native() {
			return fmt.Errorf("an %s guest cannot run this %s host's programs (--userland host): drop --userland host, for Debian's %s programs", a.name, runtime.GOARCH, a.name)
		}
		return nil
	}
	cache, err := kernel.CacheDir() // not Options.Cache, the kernels' (tests give each run its own)
	if err != nil {
		return err
	}
	img, err := userland.Ensure(ctx, userland.Options{Cache: cache, Mirror: opts.Mirror, Suite: opts.Suite, Arch: a.name, Notices: opts.Notices})
	if err != nil {
		return err
	}
	opts.Userland, opts.userlandSays, opts.userlandDisk = img.Root, img.Describe(), img.Disk
	return nil
}
