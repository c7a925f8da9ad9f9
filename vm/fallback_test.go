package vm

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lvslab/lvslab/internal/wait"
	"github.com/lvslab/lvslab/vm/kernel"
)

// fakeQemu puts a qemu-system-x86_64 script first on PATH. The script logs each start ("<pid> kvm|tcg"),
// as does every process it forks that body records with `note $!`, so the test can check none is left.
// $REAL_QEMU is the real qemu, when there is one.
type fakeQemu struct {
	log string
}

func newFakeQemu(t *testing.T, body string) *fakeQemu {
	t.Helper()
	dir := t.TempDir()
	f := &fakeQemu{log: filepath.Join(dir, "starts.log")}
	script := `#!/bin/sh
note() { echo "$1 $accel" >>"$FAKE_QEMU_LOG"; }
case " $* " in *" -accel kvm "*) accel=kvm ;; *) accel=tcg ;; esac
note $$
` + body + "\n"
	if err := os.WriteFile(filepath.Join(dir, guestArches[0].qemu), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if real, err := exec.LookPath(guestArches[0].qemu); err == nil {
		t.Setenv("REAL_QEMU", real)
	}
	t.Setenv("PATH", dir+string(filepath.ListSeparator)+os.Getenv("PATH"))
	t.Setenv("FAKE_QEMU_LOG", f.log)
	return f
}

// starts lists the accelerators the fake was started with, in order.
func (f *fakeQemu) starts(t *testing.T) []string {
	t.Helper()
	var accels []string
	for _, line := range f.lines(t) {
		if fields := strings.Fields(line); len(fields) == 2 && !strings.HasPrefix(fields[0], "child") {
			accels = append(accels, fields[1])
		}
	}
	return accels
}

func (f *fakeQemu) lines(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(f.log)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return strings.FieldsFunc(string(data), func(r rune) bool { return r == '\n' })
}

// requireNoneLeft fails if any process the fake started still runs. A killed orphan is a zombie until
// the host's init reaps it, which is not lvslab's to hurry.
func (f *fakeQemu) requireNoneLeft(t *testing.T) {
	t.Helper()
	var pids []string
	for _, line := range f.lines(t) {
		pids = append(pids, strings.TrimPrefix(strings.Fields(line)[0], "child"))
	}
	err := wait.Until(context.Background(), 5*time.Second, func() (bool, string) {
		var alive []string
		for _, p := range pids {
			stat, err := os.ReadFile("/proc/" + p + "/stat")
			if i := bytes.LastIndexByte(stat, ')'); err == nil && i > 0 && i+2 < len(stat) && stat[i+2] != 'Z' {
				alive = append(alive, p)
			}
		}
		return len(alive) == 0, fmt.Sprintf("processes of the fake qemu outlived Run: %v", alive)
	})
	if err != nil {
		t.Error(err)
	}
}

// fakeOptions are Options for a run against a fake qemu: the real kernel (a VM needs one to be planned),
// a cache of the test's own for the accelerator's memo, and the notices kept.
func fakeOptions(t *testing.T) (Options, *bytes.Buffer) {
	t.Helper()
	needGuestKernel(t)
	realCache, err := kernel.CacheDir()
	if err != nil {
		t.Fatal(err)
	}
	realRoot := filepath.Join(realCache, "kernel")
	cache := t.TempDir()
	if err := os.Symlink(realRoot, filepath.Join(cache, "kernel")); err != nil {
		t.Fatal(err)
	}
	t.Setenv(AccelEnv, "")
	var notices bytes.Buffer
	return Options{Argv: []string{"true"}, Cache: cache, Timeout: 2 * time.Minute, Notices: &notices}, &notices
}

func needRealQemu(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath(guestArches[0].qemu); err != nil {
		t.Skipf("%s not installed: this test boots the real VM after the fake KVM fails", guestArches[0].qemu)
	}
}

// A qemu that reports a KVM internal error and then hangs, as qemu does on a PVM device: the boot ends at
// once, TCG runs the command, and the next run goes straight to TCG.
func TestKVMInternalErrorFallsBackToTCGAndIsRemembered(t *testing.T) {
	needRealQemu(t)
	withProbe(t, usableKVM)
	fake := newFakeQemu(t, `if [ $accel = kvm ]; then
	echo 'KVM internal error. Suberror: 1' >&2; echo 'emulation failure' >&2
	sleep 600 & note "child$!"; exec sleep 600
fi
exec "$REAL_QEMU" "$@"`)
	opts, notices := fakeOptions(t)
	opts.BootTimeout = time.Minute // the complaint must end the KVM boot, not this
	var out bytes.Buffer
	opts.Argv, opts.Stdout = []string{"echo", "ran"}, &out
	start := time.Now()
	res, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatalf("%v\nnotices:\n%s", err, notices)
	}
	t.Logf("fell back and ran in %v; notices:\n%s", time.Since(start), notices)
	if res.Accel != AccelTCG || !strings.Contains(res.AccelFallback, "KVM internal error") || out.String() != "ran\n" {
		t.Errorf("got accel %q, fallback %q, output %q; want the command run under TCG after KVM's internal error", res.Accel, res.AccelFallback, out.String())
	}
	if d := time.Since(start); d > opts.BootTimeout {
		t.Errorf("the run took %v: the KVM boot waited for the watchdog instead of ending on qemu's complaint", d)
	}
	if got, want := strings.Join(fake.starts(t), " "), "kvm tcg"+rebooted(notices); got != want {
		t.Errorf("qemu started under %q, want %q", got, want)
	}
	for _, want := range []string{"microVM under KVM", "retrying under TCG", "later runs on this host go straight to TCG"} {
		if !strings.Contains(notices.String(), want) {
			t.Errorf("notices lack %q:\n%s", want, notices)
		}
	}
	fake.requireNoneLeft(t)

	before := strings.Join(fake.starts(t), " ")
	notices.Reset()
	res, err = Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(fake.starts(t), " "), before+" tcg"+rebooted(notices); got != want || res.AccelFallback != "" {
		t.Errorf("second run: qemu started under %q (want %q), fallback %q (want none)", got, want, res.AccelFallback)
	}
	if !strings.Contains(notices.String(), "microVM under TCG: KVM failed to boot the kernel here before") {
		t.Errorf("second run's notice does not say it went to TCG for the remembered failure:\n%s", notices)
	}
}

// A KVM boot that hangs silently is ended by the watchdog; the failure is remembered once TCG booted.
func TestSilentKVMBootFallsBackAfterTheWatchdog(t *testing.T) {
	needRealQemu(t)
	withProbe(t, usableKVM)
	old := bootTimeoutKVM
	bootTimeoutKVM = time.Second
	t.Cleanup(func() { bootTimeoutKVM = old })
	fake := newFakeQemu(t, `[ $accel = kvm ] && exec sleep 600
exec "$REAL_QEMU" "$@"`)
	opts, notices := fakeOptions(t)
	res, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatalf("%v\nnotices:\n%s", err, notices)
	}
	t.Logf("notices:\n%s", notices)
	if res.Accel != AccelTCG || !strings.Contains(res.AccelFallback, "did not start within 1s under KVM") {
		t.Errorf("got accel %q, fallback %q; want TCG after the 1s KVM watchdog", res.Accel, res.AccelFallback)
	}
	if !strings.Contains(notices.String(), "TCG booted where KVM did not; later runs") {
		t.Errorf("the notices do not say the failure is remembered:\n%s", notices)
	}
	if openMemo(opts.Cache).recalled() == nil {
		t.Error("the failed KVM boot was not remembered")
	}
	fake.requireNoneLeft(t)
}

// Boots that cannot succeed end within seconds with what qemu said and what to do, and leave nothing.
func TestBootFailuresEndWithinSeconds(t *testing.T) {
	for _, c := range []struct {
		name     string
		body     string
		accel    string
		starts   string
		want     []string
		remember bool
	}{
		{
			name: "KVM internal error and hang, everywhere",
			body: `echo 'KVM internal error. Suberror: 1' >&2; sleep 600 & note "child$!"; exec sleep 600`, starts: "kvm tcg",
			want:     []string{"under KVM: qemu reported that KVM cannot run the VM", "then under TCG: qemu reported that TCG cannot run the VM", `"KVM internal error. Suberror: 1"`},
			remember: true,
		},
		{
			name: "silent hang", body: `sleep 600 & note "child$!"; exec sleep 600`, starts: "kvm tcg tcg",
			want: []string{"under KVM: the guest's /init did not start within 2s under KVM (qemu still running, silent)", "then under TCG: the guest's /init did not start within 2s under TCG",
				"for the second time in a row", "raise --boot-timeout", "the kernel console was silent"},
		},
		{
			name: "exits at once", body: `echo 'qemu-system-x86_64: -machine microvm: unsupported machine type' >&2; exit 1`, starts: "kvm tcg",
			want: []string{"qemu exited (exit status 1)", "before the guest's /init ran, under KVM", "qemu said: qemu-system-x86_64: -machine microvm: unsupported machine type", "qemu-system-x86_64 --version"},
		},
		{
			name: "exits at once, --accel tcg", body: `echo 'qemu-system-x86_64: -machine microvm: unsupported machine type' >&2; exit 1`, accel: AccelTCG, starts: "tcg",
			want: []string{"qemu exited (exit status 1)", "under TCG", "qemu-system-x86_64 --version"},
		},
		{
			name: "silent hang, --accel kvm", body: `exec sleep 600`, accel: AccelKVM, starts: "kvm",
			want: []string{"did not start within 2s under KVM", "the KVM here cannot boot the kernel; use --accel tcg"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			withProbe(t, usableKVM)
			fake := newFakeQemu(t, c.body)
			opts, notices := fakeOptions(t)
			opts.Accel, opts.BootTimeout = c.accel, 2*time.Second
			start := time.Now()
			_, err := Run(context.Background(), opts)
			took := time.Since(start)
			if err == nil {
				t.Fatal("Run succeeded with a qemu that cannot boot")
			}
			t.Logf("after %v: %v\nnotices:\n%s", took, err, notices)
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error lacks %q", w)
				}
			}
			if took > 20*time.Second {
				t.Errorf("Run took %v to give up, want seconds", took)
			}
			if got := strings.Join(fake.starts(t), " "); got != c.starts {
				t.Errorf("qemu started under %q, want %q", got, c.starts)
			}
			if got := openMemo(opts.Cache).recalled() != nil; got != c.remember {
				t.Errorf("KVM's failure remembered: %v, want %v", got, c.remember)
			}
			fake.requireNoneLeft(t)
		})
	}
}

// On this machine, whatever its /dev/kvm, the real VM boots and runs: under TCG where the KVM is one the
// probe rules out (a PVM device), with no KVM attempt.
func TestRunPicksAnAcceleratorThatBoots(t *testing.T) {
	opts := needVM(t)
	t.Setenv(AccelEnv, "")
	var notices bytes.Buffer
	opts.Argv, opts.Notices = []string{"true"}, &notices
	res, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	st := probeHW()
	t.Logf("KVM here: %+v; ran under %s in %v (boot to init %v); notices:\n%s", st, res.Accel, res.Total, res.BootToInit, &notices)
	if !st.usable && (res.Accel != AccelTCG || res.AccelFallback != "") {
		t.Errorf("KVM ruled out (%s), yet accel %q, fallback %q; want TCG at once", st.why, res.Accel, res.AccelFallback)
	}
	if !strings.Contains(notices.String(), "microVM under "+strings.ToUpper(res.Accel)) {
		t.Errorf("no notice names the accelerator:\n%s", &notices)
	}
}

// On a PVM host, the real qemu under KVM spins for many seconds before it reports an internal error, then
// pauses the VM: with the probe told KVM is fine, the watchdog must end that boot, TCG run the command, and
// the next run go straight to TCG.
func TestRealKVMThatCannotBootFallsBack(t *testing.T) {
	if !isPVM() {
		t.Skip("this host's KVM is not PVM: a real KVM boot that fails cannot be had here")
	}
	opts := needVM(t)
	withProbe(t, usableKVM)
	old := bootTimeoutKVM
	bootTimeoutKVM = 3 * time.Second
	t.Cleanup(func() { bootTimeoutKVM = old })
	own, notices := fakeOptions(t) // a cache of the test's own, for the memo
	opts.Cache, opts.Notices, opts.Argv = own.Cache, notices, []string{"true"}
	res, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatalf("%v\nnotices:\n%s", err, notices)
	}
	t.Logf("notices:\n%s", notices)
	if res.Accel != AccelTCG || res.AccelFallback == "" {
		t.Fatalf("got accel %q, fallback %q; want TCG after KVM failed", res.Accel, res.AccelFallback)
	}
	notices.Reset()
	res, err = Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Accel != AccelTCG || res.AccelFallback != "" || !strings.Contains(notices.String(), "KVM failed to boot the kernel here before") {
		t.Errorf("second run: accel %q, fallback %q, notices %q; want TCG at once, for the remembered failure", res.Accel, res.AccelFallback, notices)
	}
	if pids := qemuChildren(os.Getpid()); len(pids) > 0 {
		t.Errorf("qemu still running: %v", pids)
	}
}

// A TCG boot that stalls before the guest's /init (qemu alive and silent, as the emulator now and then
// does on a loaded machine) is booted once more, and says so.
func TestAStalledTCGBootIsBootedOnceMore(t *testing.T) {
	needRealQemu(t)
	withProbe(t, noKVM)
	stalled := filepath.Join(t.TempDir(), "stalled")
	t.Setenv("STALLED", stalled)
	fake := newFakeQemu(t, `if [ ! -e "$STALLED" ]; then : >"$STALLED"; exec sleep 600; fi
exec "$REAL_QEMU" "$@"`)
	opts, notices := fakeOptions(t)
	// The stall is cut short; the real boot after it gets the usual time. The notice comes between the two.
	old := bootTimeoutTCG
	bootTimeoutTCG = time.Second
	t.Cleanup(func() { bootTimeoutTCG = old })
	opts.Notices = writerFunc(func(p []byte) (int, error) {
		if strings.Contains(string(p), "booting it once more") {
			bootTimeoutTCG = old
		}
		return notices.Write(p)
	})
	var out bytes.Buffer
	opts.Argv, opts.Stdout = []string{"echo", "ran"}, &out
	res, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatalf("%v\nnotices:\n%s", err, notices)
	}
	if out.String() != "ran\n" || res.Accel != AccelTCG {
		t.Errorf("output %q under %s, want the command run under TCG", out.String(), res.Accel)
	}
	if got := strings.Join(fake.starts(t), " "); got != "tcg tcg" {
		t.Errorf("qemu started under %q, want \"tcg tcg\": the stalled boot, then one more", got)
	}
	if !strings.Contains(notices.String(), "did not start within 1s under TCG (qemu still running, silent)") ||
		!strings.Contains(notices.String(), "the console silent; booting it once more") {
		t.Errorf("the notices do not say the boot stalled and was booted again:\n%s", notices)
	}
	fake.requireNoneLeft(t)
}

// A guest that resets itself under TCG before its /init (qemu exits 0: a kernel panic, as 6.12's start has
// met under emulation) is booted once more, and the notice says so.
func TestATCGGuestThatResetsBeforeInitIsBootedOnceMore(t *testing.T) {
	needRealQemu(t)
	withProbe(t, noKVM)
	reset := filepath.Join(t.TempDir(), "reset")
	t.Setenv("RESET", reset)
	fake := newFakeQemu(t, `if [ ! -e "$RESET" ]; then : >"$RESET"; exit 0; fi
exec "$REAL_QEMU" "$@"`)
	opts, notices := fakeOptions(t)
	var out bytes.Buffer
	opts.Argv, opts.Stdout = []string{"echo", "ran"}, &out
	if _, err := Run(context.Background(), opts); err != nil {
		t.Fatalf("%v\nnotices:\n%s", err, notices)
	}
	if got := strings.Join(fake.starts(t), " "); out.String() != "ran\n" || got != "tcg tcg" {
		t.Errorf("output %q, qemu started under %q; want the command run after \"tcg tcg\": the reset boot, then one more", out.String(), got)
	}
	if !strings.Contains(notices.String(), "qemu exited (exited 0)") || !strings.Contains(notices.String(), "booting it once more") {
		t.Errorf("the notices do not say the guest reset and was booted again:\n%s", notices)
	}
	fake.requireNoneLeft(t)
}

// rebooted is " tcg" for each TCG boot the notices say stalled and was booted once more: the real qemu
// under TCG stalls now and then on a loaded machine, and a run boots it again.
func rebooted(notices *bytes.Buffer) string {
	return strings.Repeat(" tcg", strings.Count(notices.String(), "booting it once more"))
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
