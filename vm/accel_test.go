package vm

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/vm/kernel"
	"github.com/lvslab/lvslab/vm/proto"
)

// withProbe makes planAccel see the KVM st describes, for one test.
func withProbe(t *testing.T, st hwState) {
	t.Helper()
	old := hwProbe
	hwProbe = func() hwState { return st }
	t.Cleanup(func() { hwProbe = old })
}

var (
	usableKVM = hwState{usable: true, found: "/dev/kvm"}
	pvmKVM    = hwState{pvm: true, why: "/dev/kvm is a PVM device"}
	noKVM     = hwState{why: "there is no /dev/kvm"}
)

func TestAccelModeFromOptionsThenEnv(t *testing.T) {
	t.Setenv(AccelEnv, "tcg")
	for _, c := range []struct{ opt, want string }{{"", "tcg"}, {"kvm", "kvm"}, {"auto", "auto"}} {
		o := Options{Accel: c.opt}
		if got, _, err := o.accelMode(); err != nil || got != c.want {
			t.Errorf("Accel %q with $%s=tcg: got %q, %v; want %q", c.opt, AccelEnv, got, err, c.want)
		}
	}
	t.Setenv(AccelEnv, "")
	if got, _, _ := (&Options{}).accelMode(); got != AccelAuto {
		t.Errorf("no Accel, no $%s: got %q, want auto", AccelEnv, got)
	}
	t.Setenv(AccelEnv, "hvf")
	_, _, err := (&Options{}).accelMode()
	if err == nil || !strings.Contains(err.Error(), `"hvf"`) || !strings.Contains(err.Error(), "$"+AccelEnv) || !strings.Contains(err.Error(), "auto, kvm or tcg") {
		t.Errorf("$%s=hvf: got %v, want an error naming the value, where it came from and the choices", AccelEnv, err)
	}
	if err == nil || !strings.Contains(err.Error(), "macOS") {
		t.Errorf("$%s=hvf on Linux: got %v, want it said to be macOS's accelerator", AccelEnv, err)
	}
	t.Setenv(AccelEnv, "xen")
	if _, _, err := (&Options{}).accelMode(); err == nil || !strings.Contains(err.Error(), "auto, kvm or tcg") {
		t.Errorf("$%s=xen: got %v, want the choices", AccelEnv, err)
	}
}

// TestHVFProbe judges macOS's kern.hv_support as a Mac would report it: 1 is HVF to try, 0 or no answer is
// TCG with the reason.
func TestHVFProbe(t *testing.T) {
	if st := hvfState(1, nil); !st.usable || !strings.Contains(st.found, "kern.hv_support") {
		t.Errorf("kern.hv_support=1: got %+v, want usable", st)
	}
	if st := hvfState(0, nil); st.usable || !strings.Contains(st.why, "kern.hv_support is 0") {
		t.Errorf("kern.hv_support=0: got %+v, want unusable, saying why", st)
	}
	if st := hvfState(0, errors.New("unknown oid")); st.usable || !strings.Contains(st.why, "unknown oid") {
		t.Errorf("no kern.hv_support: got %+v, want unusable, saying what failed", st)
	}
}

// TestWHPXProbe judges what WinHvPlatform.dll says as a Windows would: the hypervisor present is WHPX to
// try; no DLL (the feature off), a failed call or no hypervisor is TCG with the reason and what to do.
func TestWHPXProbe(t *testing.T) {
	if st := whpxState(nil, 0, true); !st.usable || !strings.Contains(st.found, "Windows Hypervisor Platform") {
		t.Errorf("hypervisor present: got %+v, want usable", st)
	}
	if st := whpxState(errors.New("The specified module could not be found."), 0, false); st.usable || !strings.Contains(st.why, "could not be found") || !strings.Contains(st.why, "turn on") {
		t.Errorf("no WinHvPlatform.dll: got %+v, want unusable, saying what failed and what to do", st)
	}
	if st := whpxState(nil, 0x80070005, false); st.usable || !strings.Contains(st.why, "0x80070005") {
		t.Errorf("a failed WHvGetCapability: got %+v, want unusable, with its HRESULT", st)
	}
	if st := whpxState(nil, 0, false); st.usable || !strings.Contains(st.why, "not running") {
		t.Errorf("no hypervisor: got %+v, want unusable, saying so", st)
	}
}

// TestHardwareAcceleratorArgs: each host OS's hardware accelerator gets its own qemu arguments.
func TestHardwareAcceleratorArgs(t *testing.T) {
	want := map[string]string{AccelKVM: "-accel kvm -cpu host", AccelHVF: "-accel hvf -cpu host", AccelWHPX: "-accel whpx,kernel-irqchip=off -cpu max"}
	for _, hw := range hwAccels {
		if got := strings.Join(hw.args, " "); got != want[hw.name] {
			t.Errorf("%s: qemu arguments %q, want %q", hw.name, got, want[hw.name])
		}
	}
	old := hostAccel
	t.Cleanup(func() { hostAccel = old })
	hostAccel = hwAccels[1]
	args := strings.Join(qemuArgs(qemuConfig{hw: true, arch: guestArches[1]}), " ")
	if !strings.Contains(args, "-accel hvf -cpu host") || strings.Contains(args, "tcg") {
		t.Errorf("an arm64 guest under HVF: got %s", args)
	}
}

func TestPlanAccel(t *testing.T) {
	t.Setenv(AccelEnv, "")
	for _, c := range []struct {
		name     string
		probe    hwState
		opts     Options
		kvm      bool
		fallback bool
		why      string // in the plan's reason, or in the error when errs
		errs     bool
	}{
		{name: "auto, usable KVM", probe: usableKVM, kvm: true, fallback: true, why: "/dev/kvm is usable"},
		{name: "auto, PVM", probe: pvmKVM, why: "PVM"},
		{name: "auto, no device", probe: noKVM, why: "no /dev/kvm"},
		{name: "tcg, usable KVM", probe: usableKVM, opts: Options{Accel: "tcg"}, why: "--accel=tcg"},
		{name: "kvm, usable KVM", probe: usableKVM, opts: Options{Accel: "kvm"}, kvm: true, why: "--accel=kvm"},
		{name: "kvm, no device", probe: noKVM, opts: Options{Accel: "kvm"}, errs: true, why: "there is no /dev/kvm; use --accel tcg"},
		{name: "kvm, PVM, Debian's kernel", probe: pvmKVM, opts: Options{Accel: "kvm"}, errs: true, why: "cannot boot a stock kernel: /dev/kvm is a PVM device; use --accel tcg"},
		{name: "kvm, PVM, the user's kernel", probe: pvmKVM, opts: Options{Accel: "kvm", Kernel: "/pvm/vmlinuz"}, kvm: true, why: "--accel=kvm"},
	} {
		t.Run(c.name, func(t *testing.T) {
			withProbe(t, c.probe)
			c.opts.Cache = t.TempDir()
			p, err := planAccel(&c.opts)
			if c.errs {
				if err == nil || !strings.Contains(err.Error(), c.why) {
					t.Fatalf("got plan %+v, error %v; want an error containing %q", p, err, c.why)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.hw != c.kvm || p.fallback != c.fallback || !strings.Contains(p.why, c.why) {
				t.Errorf("got kvm=%v fallback=%v why %q; want kvm=%v fallback=%v why containing %q", p.hw, p.fallback, p.why, c.kvm, c.fallback, c.why)
			}
		})
	}
}

func TestPlanAccelRecallsAKVMThatCouldNotBoot(t *testing.T) {
	t.Setenv(AccelEnv, "")
	withProbe(t, usableKVM)
	cache := t.TempDir()
	m := openMemo(cache)
	if err := m.remember("qemu said \"KVM internal error\"\nand more"); err != nil {
		t.Fatal(err)
	}
	p, err := planAccel(&Options{Cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	if p.hw || !strings.Contains(p.why, "KVM internal error") || !strings.Contains(p.why, m.path) {
		t.Errorf("got kvm=%v, why %q; want TCG, saying what failed before and where that is remembered", p.hw, p.why)
	}
	if p, _ := planAccel(&Options{Cache: cache, Accel: "kvm"}); p == nil || !p.hw {
		t.Errorf("--accel kvm with a remembered failure: got %+v, want KVM (the user insists)", p)
	}
	m.forget()
	if p, _ := planAccel(&Options{Cache: cache}); !p.hw {
		t.Error("after forget, auto still avoids KVM")
	}
}

func TestMemoRejectsWhatLvslabWouldNotHaveWritten(t *testing.T) {
	cache := t.TempDir()
	m := openMemo(cache)
	if m.recalled() != nil {
		t.Fatal("a verdict recalled from an empty cache")
	}
	if err := m.remember("booted nothing"); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(m.path)
	if err != nil {
		t.Fatal(err)
	}
	if r := m.recalled(); r == nil || r.Why != "booted nothing" {
		t.Fatalf("recalled %+v, want the verdict just remembered", r)
	}
	for name, content := range map[string]string{
		"another host's":   strings.Replace(string(good), m.key.HostKernel, "0.0.0-other", 1),
		"unknown verdict":  strings.Replace(string(good), memoCannotBoot, "kvm-is-fine", 1),
		"unknown field":    strings.Replace(string(good), `"why"`, `"run": "rm -rf /", "why"`, 1),
		"control in why":   strings.Replace(string(good), "booted nothing", `booted\u001b[2J nothing`, 1),
		"not JSON":         "{garbage",
		"oversized":        string(good[:len(good)-2]) + strings.Repeat(" ", memoMaxBytes) + "}\n",
		"empty why":        strings.Replace(string(good), "booted nothing", "", 1),
		"a list, not JSON": "[1,2,3]",
	} {
		if err := os.WriteFile(m.path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if r := m.recalled(); r != nil {
			t.Errorf("%s file: recalled %+v, want nothing", name, r)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(m.path), ".tmp-*")); len(left) > 0 {
		t.Errorf("remember left temporary files: %v", left)
	}
}

func TestMemoBoundsWhatItKeeps(t *testing.T) {
	m := openMemo(t.TempDir())
	if err := m.remember(strings.Repeat("é", 400) + "\n\ttail"); err != nil {
		t.Fatal(err)
	}
	r := m.recalled()
	if r == nil || len(r.Why) > memoMaxWhy+len("…") || strings.ContainsAny(r.Why, "\n\t") {
		t.Errorf("recalled %+v, want a one-line reason of at most %d bytes", r, memoMaxWhy)
	}
}

func TestProbeKVMSaysWhy(t *testing.T) {
	dir := t.TempDir()
	oldDev, oldMod := kvmDevice, sysModule
	t.Cleanup(func() { kvmDevice, sysModule = oldDev, oldMod })
	sysModule = filepath.Join(dir, "module")

	kvmDevice = filepath.Join(dir, "missing")
	if st := probeHW(); st.usable || !strings.Contains(st.why, "there is no "+kvmDevice) {
		t.Errorf("missing device: got %+v", st)
	}
	kvmDevice = filepath.Join(dir, "plain-file")
	os.WriteFile(kvmDevice, nil, 0o600)
	if st := probeHW(); st.usable || !strings.Contains(st.why, "KVM_GET_API_VERSION") {
		t.Errorf("a file that is no KVM device: got %+v", st)
	}
	if os.Geteuid() != 0 { // root opens anything
		kvmDevice = filepath.Join(dir, "unreadable")
		os.WriteFile(kvmDevice, nil, 0)
		if st := probeHW(); st.usable || !strings.Contains(st.why, "does not open read-write") {
			t.Errorf("a device this user cannot open: got %+v", st)
		}
	}
	for _, mods := range []struct {
		loaded []string
		pvm    bool
	}{{[]string{"kvm", "kvm_pvm"}, true}, {[]string{"kvm", "kvm_pvm", "kvm_intel"}, false}, {[]string{"kvm", "kvm_amd"}, false}} {
		os.RemoveAll(sysModule)
		for _, m := range mods.loaded {
			os.MkdirAll(filepath.Join(sysModule, m), 0o755)
		}
		if got := isPVM(); got != mods.pvm {
			t.Errorf("modules %v: isPVM %v, want %v", mods.loaded, got, mods.pvm)
		}
	}
}

// TestProbeKVMOnThisHost checks the probe against what /sys says of this machine's KVM.
func TestProbeKVMOnThisHost(t *testing.T) {
	st := probeHW()
	t.Logf("this host's KVM: %+v", st)
	if st.usable && isPVM() {
		t.Error("a PVM device passed as usable")
	}
	if _, err := os.Stat("/dev/kvm"); err != nil && st.usable {
		t.Error("no /dev/kvm, yet usable")
	}
}

func TestQemuLogSpotsComplaintsAcrossWrites(t *testing.T) {
	l := newQemuLog(64)
	for _, p := range []string{"qemu-system-x86_64: warning: hi\nKVM int", "ernal error. Suberror: 1\nextra data[0]: 0x1\n"} {
		l.Write([]byte(p))
	}
	select {
	case line := <-l.complained:
		if line != "KVM internal error. Suberror: 1" {
			t.Errorf("complained %q", line)
		}
	default:
		t.Fatal("no complaint spotted")
	}
	l.Write([]byte("emulation failure\n"))
	select {
	case line := <-l.complained:
		t.Errorf("a second complaint %q: want one", line)
	default:
	}
	if got := l.String(); len(got) != 64 || !strings.HasPrefix(got, "qemu-system-x86_64: warning") {
		t.Errorf("kept %q, want the first 64 bytes", got)
	}
	quiet := newQemuLog(1 << 10)
	quiet.Write([]byte("qemu-system-x86_64: terminating on signal 15\n"))
	select {
	case line := <-quiet.complained:
		t.Errorf("complained %q of a line that names no accelerator failure", line)
	default:
	}
}

func TestPrependPath(t *testing.T) {
	got := proto.PrependPath([]string{"A=1", "PATH=/usr/bin:/bin", "PATH=/evil"}, "/x")
	if strings.Join(got, " ") != "A=1 PATH=/x:/usr/bin:/bin" {
		t.Errorf("got %q", got)
	}
	got = proto.PrependPath([]string{"A=1"}, "/x")
	if len(got) != 2 || !strings.HasPrefix(got[1], "PATH=/x:") || !strings.Contains(got[1], "/usr/bin") {
		t.Errorf("no PATH: got %q", got)
	}
}

func TestJobFindsSelfOnlyInTheGuest(t *testing.T) {
	opts := &Options{Argv: []string{"lvslab", "up"}, Self: "lvslab", Env: []string{"PATH=/nonexistent"}, Dir: t.TempDir()}
	j, err := newJob(opts, nil, &kernel.Kernel{}, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if j.Argv[0] != proto.SelfDir+"/lvslab" || j.Self != "lvslab" || j.Env[0] != "PATH="+proto.SelfDir+":/nonexistent" {
		t.Errorf("got argv %q, self %q, env %q", j.Argv, j.Self, j.Env)
	}
	for _, bad := range []string{"../lvslab", "a/b", "..", ""} {
		opts.Self = bad
		if _, err := newJob(opts, nil, &kernel.Kernel{}, nil, nil, nil); bad != "" && err == nil {
			t.Errorf("Self %q accepted", bad)
		}
	}
}
