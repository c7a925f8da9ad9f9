package vm

import (
	"context"
	cryptorand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"sync"

	"github.com/lvslab/lvslab/internal/toolver"
	"github.com/lvslab/lvslab/vm/kernel"
	"github.com/lvslab/lvslab/vm/proto"
)

// Run boots a VM, runs opts.Argv in it and returns how it exited. The error is non-nil when the command
// could not be run to its end (no qemu or kernel, boot failure, deadline), and also, with the Result,
// when an output file could not be copied back or a command that exited 0 did not write it.
func Run(ctx context.Context, opts Options) (*Result, error) {
	opts.setDefaults()
	if len(opts.Argv) == 0 {
		return nil, errors.New("vm: no command to run: expected Options.Argv")
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	plan, b, err := planAndPrepare(ctx, &opts)
	if err != nil {
		return nil, err
	}
	defer b.close()
	run := func() (*Result, error) { return (&session{opts: &opts}).run(ctx, b) }
	res, err := againIfStalled(&opts, run)
	defer func() { b.describe(res) }()
	var be *bootError
	if !errors.As(err, &be) {
		if plan.hw && err == nil && plan.probeWhy == "" {
			plan.memo.forget() // KVM boots here after all
		}
		return res, err
	}
	if !plan.fallBackToTCG(be, &opts, b) {
		return res, err
	}
	first := be
	res, err = againIfStalled(&opts, run)
	if errors.As(err, &be) {
		be.adviseFor(&accelPlan{})
		return res, fmt.Errorf("under %s: %s\nthen under TCG: %w", hostAccel.title(), first.what, be)
	}
	if !first.accelFault && res != nil {
		if r := rememberKVMFailure(plan.memo, first.what); r != "" {
			opts.notice("microVM: TCG booted where %s did not%s", hostAccel.title(), r)
		}
	}
	if res != nil {
		res.AccelFallback = first.what
	}
	return res, err
}

// planAndPrepare chooses the accelerator and prepares the machine for opts (qemu, the kernel, the
// initramfs), saying which accelerator it will try first and why.
func planAndPrepare(ctx context.Context, opts *Options) (*accelPlan, *machine, error) {
	plan, err := planAccel(opts)
	if err != nil {
		return nil, nil, err
	}
	b, err := prepare(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	b.cfg.hw = plan.hw
	opts.notice("microVM under %s: %s", accelName(plan.hw), plan.why)
	return plan, b, nil
}

// describe says in a Result what booted: the kernel, on how many CPUs.
func (m *machine) describe(res *Result) {
	if res != nil {
		res.Kernel, res.CPUs, res.Userland, res.Arch = *m.booted, m.cfg.cpus, m.userland, m.cfg.arch.name
	}
}

// QEMUVersion is the first line of `qemu-system-x86_64 --version` ("QEMU emulator version 7.2.19 (Debian
// …)"), or of the qemu of the arch named (as Options.Arch), found as a run finds it (findQemu), or "" when
// there is no qemu or it does not say within a few seconds.
func QEMUVersion(ctx context.Context, arch string) string {
	a, err := archOf(arch, "")
	if err != nil {
		return ""
	}
	qemu, err := findQemu(a)
	if err != nil {
		return ""
	}
	return toolver.FirstLine(ctx, qemu)
}

// fallBackToTCG takes a boot that failed and says whether to try again under TCG: only where auto chose
// KVM and the kernel did not reach /init (KVM could not boot it; TCG can). It remembers the failure when
// qemu laid it at KVM's door (a caller may remember it too once TCG has booted), says so, and sets the
// machine for TCG.
func (p *accelPlan) fallBackToTCG(be *bootError, opts *Options, b *machine) bool {
	be.adviseFor(p)
	if !p.fallback || !be.beforeInit {
		return false
	}
	remembered := ""
	if be.accelFault {
		remembered = rememberKVMFailure(p.memo, be.what)
	}
	opts.notice("microVM: %s could not boot the kernel (%s); retrying under TCG%s", hostAccel.title(), be.what, remembered)
	b.cfg.hw = false
	return true
}

// rememberKVMFailure records that KVM could not boot here and says where, for a notice.
func rememberKVMFailure(m *memo, why string) string {
	if err := m.remember(why); err != nil {
		return fmt.Sprintf(" (could not remember that for later runs: %v)", err)
	}
	return fmt.Sprintf("; later runs on this host go straight to TCG (remembered in %s)", m.path)
}

// machine is what one qemu run needs.
type machine struct {
	qemu   string
	booted *kernel.Kernel
	cfg    qemuConfig
	initrd *os.File
	kernel *os.File // the unpacked kernel (anonFile), or nil when cfg.kernel is a path
	// userland says where the guest's programs come from, for Result.Userland
	userland string
	// loopback: qemu connects its links to lvslab's listeners on 127.0.0.1 (linksOverLoopback, read once);
	// linkSecret is then what the guest sends first on its channel, from its job.
	loopback   bool
	linkSecret []byte
}

func (m *machine) close() {
	closeAnon(m.initrd)
	if m.kernel != nil {
		closeAnon(m.kernel)
	}
}

// prepare finds qemu and the kernel, plans the modules and builds the initramfs.
func prepare(ctx context.Context, opts *Options) (*machine, error) {
	a, err := archOf(opts.Arch, opts.Package)
	if err != nil {
		return nil, err
	}
	qemu, err := findQemu(a)
	if err != nil {
		return nil, err
	}
	k, err := EnsureKernel(ctx, *opts)
	if err != nil {
		return nil, err
	}
	if err := EnsureUserland(ctx, opts); err != nil {
		return nil, err
	}
	ix, err := kernel.LoadIndex(ctx, k.Modules)
	if err != nil {
		return nil, err
	}
	view, done, err := userlandView(opts.Userland, opts.userlandDisk) // where commands are looked up
	if err != nil {
		return nil, err
	}
	defer done()
	noHostRoot := !ninePShares // read once: qemu's devices and the job must agree
	var modulesDisk string
	if noHostRoot {
		if modulesDisk, err = withoutHostFolders(ctx, opts, k, view); err != nil {
			return nil, err
		}
	}
	boot, err := ix.Plan(bootModules(opts.userlandDisk != "", noHostRoot))
	if err != nil {
		return nil, fmt.Errorf("kernel %s cannot host the VM: %w", k.Version, err)
	}
	load, err := ix.Plan(opts.Modules, opts.OptionalModules...)
	if err != nil {
		return nil, fmt.Errorf("kernel %s: %w", k.Version, err)
	}
	j, err := newJob(opts, view, k, ix, boot, load)
	if err != nil {
		return nil, err
	}
	j.UserlandDisk = opts.userlandDisk != ""
	if noHostRoot {
		if err := withoutHostFoldersJob(j, opts, view); err != nil {
			return nil, err
		}
	}
	var linkSecret []byte
	loopback := linksOverLoopback // read once: the links and the job must agree
	if loopback {
		linkSecret = make([]byte, proto.AgentSecretLen)
		cryptorand.Read(linkSecret)
		j.LinkSecret = hex.EncodeToString(linkSecret)
	}
	exe, err := a.guestInit()
	if err != nil {
		return nil, err
	}
	initrd, err := buildInitramfs(ctx, exe, j, ix, k.Modules, initramfsModules(boot, load), k.UnsignedLoads)
	if err != nil {
		return nil, err
	}
	name := opts.Name
	if name == "" {
		name = fmt.Sprintf("lvslab-%d-%08x", os.Getpid(), rand.Uint32())
	}
	if !machineName().MatchString(name) {
		closeAnon(initrd)
		return nil, fmt.Errorf("machine name %q: expected lvslab- then letters, digits and dashes", name)
	}
	says := "the host's root"
	if opts.Userland != "" {
		says = opts.userlandSays
	}
	m := &machine{qemu: qemu, initrd: initrd, booted: k, userland: says, loopback: loopback, linkSecret: linkSecret, cfg: qemuConfig{
		name:         name,
		initrd:       qemuPath(initrd, fdInitrd),
		memory:       opts.Memory,
		cpus:         opts.CPUs,
		arch:         a,
		hz:           k.HZ,
		share:        opts.Share,
		userland:     opts.Userland,
		userlandDisk: opts.userlandDisk,
		noHostRoot:   noHostRoot,
		modulesDisk:  modulesDisk,
	}}
	if a.x86() {
		m.cfg.tscKHz = hostTSCkHz()
		m.cfg.kernel, m.kernel = bootImage(ctx, k)
	} else {
		m.cfg.kernel = k.Vmlinuz // qemu-system-aarch64 unpacks Debian's gzipped Image itself, at once
	}
	return m, nil
}

// initramfsModules are the modules the initramfs carries: those the guest loads before it can reach the
// host's module tree, and those of Options.Modules, so that the guest loads them all at once, while it
// mounts the host's files, instead of one by one over 9p. The host unpacks compressed ones: a kernel that
// can decompress them itself (Kernel.Unpacks) takes seconds to do it under TCG, and some kernels cannot.
func initramfsModules(boot, load []kernel.LoadStep) []kernel.LoadStep {
	mods := append([]kernel.LoadStep(nil), boot...)
	for _, s := range load {
		if !slices.ContainsFunc(mods, func(m kernel.LoadStep) bool { return m.Name == s.Name }) {
			mods = append(mods, s)
		}
	}
	return mods
}

var machineName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^lvslab-[a-zA-Z0-9-]{1,80}$`) })
