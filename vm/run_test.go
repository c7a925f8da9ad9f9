package vm

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lvslab/lvslab/internal/needs"
	"github.com/lvslab/lvslab/vm/kernel"
	"github.com/lvslab/lvslab/vm/proto"
)

// needVM skips when this machine cannot boot the VM, fetching the kernel into the cache if needed.
func needVM(t *testing.T) Options {
	t.Helper()
	needs.VM(t)
	if _, err := exec.LookPath(guestArches[0].qemu); err != nil {
		t.Skipf("%s not installed (apt-get install qemu-system-x86): skipping the VM tests", guestArches[0].qemu)
	}
	needGuestKernel(t)
	opts := Options{Timeout: 2 * time.Minute}
	if os.Getenv("LVSLAB_VM_CONSOLE") != "" {
		opts.Console = logWriter{t}
	}
	return opts
}

// needGuestKernel skips unless a VM can be planned here: a kernel in the cache (fetched if need be) and
// a test binary that can be the guest's /init.
func needGuestKernel(t *testing.T) {
	t.Helper()
	needs.VM(t) // fetches a kernel
	if testing.Short() {
		t.Skip("-short: skipping the tests that need the VM's kernel")
	}
	if err := CheckInit("", ""); err != nil {
		t.Skipf("the test binary cannot be the guest's /init: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if _, err := EnsureKernel(ctx, Options{}); err != nil {
		t.Skipf("no kernel for the VM: %v", err)
	}
}

// cachedTestKernel is the cached kernel of the package the VM tests boot ($LVSLAB_KERNEL_PACKAGE, else
// linux-image-amd64), or skips.
func cachedTestKernel(t *testing.T) *kernel.Kernel {
	t.Helper()
	pkg := kernel.DefaultPackageFor(kernel.DefaultArch)
	k, err := kernel.Cached("", pkg)
	if err != nil {
		t.Fatal(err)
	}
	if k == nil {
		t.Skipf("no kernel of %s in the cache (any VM test fetches one)", pkg)
	}
	return k
}

// logWriter sends the kernel console to the test log (LVSLAB_VM_CONSOLE=1).
type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Logf("console: %s", bytes.TrimRight(p, "\n"))
	return len(p), nil
}

func TestRunExitCodeAndStreams(t *testing.T) {
	opts := needVM(t)
	var out, errOut bytes.Buffer
	opts.Argv = []string{"/bin/sh", "-c", "echo hi; echo oops >&2; exit 3"}
	opts.Stdout, opts.Stderr = &out, &errOut
	res, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("boot to init %v, total %v\n%s", res.BootToInit, res.Total, proto.FormatTimings(res.Timings))
	var phases []string
	for _, p := range res.Timings {
		phases = append(phases, p.Phase)
	}
	if want := []string{proto.PhaseKernelRanInit, "boot modules started", "init", "boot modules", "root mounted", "modules loaded", "command started", "command exited"}; !slices.Equal(phases, want) {
		t.Errorf("the guest's phases: %v, want %v", phases, want)
	}
	if k := res.KernelToInit(); k <= 0 || k >= res.BootToInit {
		t.Errorf("the kernel ran /init after %v, /init said hello after %v: expected the kernel's exec before the hello", k, res.BootToInit)
	}
	if res.ExitCode != 3 || out.String() != "hi\n" || errOut.String() != "oops\n" {
		t.Errorf("got exit %d, stdout %q, stderr %q; want 3, \"hi\\n\", \"oops\\n\"", res.ExitCode, out.String(), errOut.String())
	}
}

// TestRunJob checks in one boot: working directory, environment, output files, Options.Modules, the
// guest's modprobe (as a command and as the kernel's request_module), a writable root, an empty /run and
// Options.Self (the binary that booted the VM, first on PATH under that name).
func TestRunJob(t *testing.T) {
	opts := needVM(t)
	dir := t.TempDir()
	script := `set -e
test "$(pwd)" = "$WANT_DIR" || { echo "cwd is $(pwd), want $WANT_DIR"; exit 10; }
test "$GREETING" = "hello vm" || { echo "GREETING=$GREETING"; exit 11; }
cat /proc/net/ip_vs >/dev/null || exit 12
modprobe ip_vs_wrr && grep -q '^ip_vs_wrr ' /proc/modules || exit 13
if command -v ip >/dev/null; then ip link add lvt0 type veth peer name lvt1 || exit 14; fi
test -z "$(ls /run)" || { echo "/run holds $(ls /run)"; exit 15; }
echo written >/etc/lvslab-vm-test || exit 16
hostname >out.txt
printf 'a\0b\377' >bin.dat
test "$(command -v vm-self)" = /usr/local/libexec/lvslab-vm/vm-self || { echo "vm-self is $(command -v vm-self)"; exit 17; }
vm-self -test.list='^TestRunJob$' | grep -qx TestRunJob || { echo "vm-self is not this test binary"; exit 18; }
`
	var out bytes.Buffer
	opts.Argv = []string{"sh", "-c", script}
	opts.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "GREETING=hello vm", "WANT_DIR=" + dir}
	opts.Dir = dir
	opts.Stdout, opts.Stderr = &out, &out
	opts.Modules = []string{"ip_vs"}
	opts.Self = "vm-self"
	opts.Outputs = []string{filepath.Join(dir, "out.txt"), filepath.Join(dir, "bin.dat")}
	res, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 {
		t.Fatalf("exit %d, output %q", res.ExitCode, out.String())
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "out.txt")); string(got) != "lvslab-vm\n" {
		t.Errorf("out.txt copied back as %q, want the guest's hostname", got)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "bin.dat")); string(got) != "a\x00b\xff" {
		t.Errorf("bin.dat copied back as %q, want \"a\\x00b\\xff\"", got)
	}
	if _, err := os.Stat("/etc/lvslab-vm-test"); err == nil {
		t.Error("a write in the guest reached the host's /etc")
	}
}

func TestRunDeadlineKillsQemu(t *testing.T) {
	opts := needVM(t)
	opts.Argv = []string{"sleep", "60"}
	opts.Timeout = 5 * time.Second
	start := time.Now()
	_, err := Run(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Fatalf("got %v, want an error naming the deadline", err)
	}
	t.Log(err)
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("Run returned after %v, want soon after its 5s deadline", d)
	}
	if pids := qemuChildren(os.Getpid()); len(pids) > 0 {
		t.Errorf("qemu still running as child of the test: pids %v", pids)
	}
}

// TestRunGuestFailure makes the guest's init fail: kvm_intel refuses to load on a CPU without VMX, which
// is what TCG emulates (under KVM the guest may have VMX).
func TestRunGuestFailure(t *testing.T) {
	opts := needVM(t)
	opts.Accel = AccelTCG
	opts.Argv = []string{"true"}
	opts.Modules = []string{"kvm_intel"}
	_, err := Run(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "init failed") || !strings.Contains(err.Error(), "kvm_intel") {
		t.Fatalf("got %v, want the guest's init failure naming kvm_intel", err)
	}
	t.Log(err)
}

// TestRunBadKernel boots a file that is no kernel: qemu refuses it, and its complaint must reach the error.
func TestRunBadKernel(t *testing.T) {
	opts := needVM(t)
	k := cachedTestKernel(t)
	bogus := filepath.Join(t.TempDir(), "vmlinuz")
	os.WriteFile(bogus, []byte("not a kernel"), 0o644)
	opts.Kernel, opts.ModulesDir = bogus, k.Modules
	opts.Argv = []string{"true"}
	_, err := Run(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "qemu said") {
		t.Fatalf("got %v, want an error quoting qemu", err)
	}
	t.Log(err)
}

func TestRunWithoutQemu(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Run(context.Background(), Options{Argv: []string{"/bin/true"}})
	if err == nil || !strings.Contains(err.Error(), "apt-get install qemu-system-x86") {
		t.Fatalf("got %v, want advice to install qemu", err)
	}
}

// qemuChildren lists the pids of qemu processes whose parent is ppid.
func qemuChildren(ppid int) []string {
	var pids []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil || !strings.Contains(string(stat), "(qemu-system-x86") {
			continue
		}
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(ppid) {
			pids = append(pids, e.Name())
		}
	}
	return pids
}

// slowFirstWrite holds its first write for a while, as a host too busy to read the guest's channel does.
type slowFirstWrite struct {
	hold time.Duration
	held bool
	buf  bytes.Buffer
}

func (w *slowFirstWrite) Write(p []byte) (int, error) {
	if !w.held {
		w.held = true
		time.Sleep(w.hold) // widens the window in which the guest finishes while its frames wait in qemu
	}
	return w.buf.Write(p)
}

// TestRunDeliversEverythingFromABusyHost: the guest's last frames (the end of the output, the exit status)
// still queued in qemu when the command ends reach the host, though it reads them late: the guest powers
// off only once the host says it has the exit status.
func TestRunDeliversEverythingFromABusyHost(t *testing.T) {
	opts := needVM(t)
	const size = 1 << 20
	out := &slowFirstWrite{hold: 3 * time.Second}
	opts.Argv = []string{"/bin/sh", "-c", "head -c " + strconv.Itoa(size) + " /dev/zero; exit 7"}
	opts.Stdout = out
	res, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 7 || out.buf.Len() != size {
		t.Errorf("got exit %d and %d bytes of output; want 7 and %d", res.ExitCode, out.buf.Len(), size)
	}
}
