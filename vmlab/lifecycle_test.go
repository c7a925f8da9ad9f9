package vmlab

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lvslab/lvslab/internal/needs"
	"github.com/lvslab/lvslab/internal/wait"
	"github.com/lvslab/lvslab/vm"
)

// helper starts this test binary as an lvslab in mode (see TestMain) on stateDir, and waits until it says
// want on stdout.
func helper(t *testing.T, mode, stateDir, want string) (*exec.Cmd, io.WriteCloser) {
	t.Helper()
	self, _ := os.Executable()
	cmd := exec.Command(self, stateDir)
	cmd.Env = append(os.Environ(), helperEnv+"="+mode)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		if lines.Text() == want {
			return cmd, stdin
		}
		t.Logf("%s: %s", mode, lines.Text())
	}
	t.Fatalf("the helper (%s) ended before it said %q", mode, want)
	return nil, nil
}

func requireEmpty(t *testing.T, dir string) {
	t.Helper()
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) > 0 {
		t.Errorf("left in %s: %v", dir, left)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("left in %s: %v", dir, left)
	}
}

// A down while an up is still bringing the lab up stops that up, waits for it to take back what it made,
// and says so; it does not report the lab down while the up goes on.
func TestDownStopsAnUpThatIsBringingTheLabUp(t *testing.T) {
	state := t.TempDir()
	up, _ := helper(t, "hold", state, "claimed")
	stopped, err := Down(context.Background(), state, "lab1")
	if err != nil || stopped == nil || stopped.PID != up.Process.Pid {
		t.Fatalf("Down: stopped %+v, %v; want the up (pid %d) stopped", stopped, err, up.Process.Pid)
	}
	var exit *exec.ExitError
	if err := up.Wait(); !errors.As(err, &exit) || exit.ExitCode() != 143 {
		t.Errorf("the up ended with %v, want it stopped by SIGTERM (143)", err)
	}
	requireEmpty(t, Dir(state))
}

// A second command that needs the lab waits while it comes up, then gets it; one whose up died says so.
func TestAwaitUpWaitsForTheLvslabBringingItUp(t *testing.T) {
	state := t.TempDir()
	up, stdin := helper(t, "hold", state, "claimed")
	r, err := Open(state, "lab1")
	if err != nil || r.Phase != PhaseBooting || !r.Booter.Running() {
		t.Fatalf("the record while it boots: %+v, %v", r, err)
	}
	var notices strings.Builder
	got := make(chan error, 1)
	go func() {
		ready, err := r.AwaitUp(context.Background(), &notices)
		if err == nil && ready.Phase != PhaseUp {
			err = fmt.Errorf("returned a lab in phase %s", ready.Phase)
		}
		got <- err
	}()
	fmt.Fprintln(stdin, "up")
	if err := <-got; err != nil {
		t.Error(err)
	}
	up.Wait()
	if !strings.Contains(notices.String(), "still coming up") {
		t.Errorf("AwaitUp said %q", notices.String())
	}

	state = t.TempDir()
	up, _ = helper(t, "hold", state, "claimed")
	r, _ = Open(state, "lab1")
	go func() { _, err := r.AwaitUp(context.Background(), io.Discard); got <- err }()
	up.Process.Kill()
	up.Wait()
	if err := <-got; err == nil || !strings.Contains(err.Error(), "stopped midway; take it down") {
		t.Errorf("AwaitUp of a lab whose up was killed: %v", err)
	}
	if _, err := Down(context.Background(), state, "lab1"); err != nil {
		t.Errorf("Down of what the killed up left: %v", err)
	}
	requireEmpty(t, Dir(state))
}

// Names are checked before anything is made: a name that is a path writes nothing outside the state
// folder, an invalid one boots nothing.
func TestUpChecksTheNameFirst(t *testing.T) {
	state := filepath.Join(t.TempDir(), "a", "b")
	for _, name := range []string{"../../t", "REL1", "", "-x"} {
		_, err := Up(context.Background(), state, name, nil, vm.Options{}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "lab name") {
			t.Errorf("%q: %v", name, err)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(filepath.Dir(state)), "*")); len(left) > 0 {
		t.Errorf("made: %v", left)
	}
}

// A write that fails (a full disk) leaves no record behind to block the name.
func TestClaimOnAFullDiskLeavesNothing(t *testing.T) {
	needs.Root(t)
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=4k"); err != nil {
		t.Skipf("mounting a small tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, 0) })
	os.WriteFile(filepath.Join(dir, "fill"), make([]byte, 4096), 0o600)
	me, _ := thisProcess()
	if _, err := claim(dir, "lab1", "", me); err == nil || !strings.Contains(err.Error(), "no space left") {
		t.Errorf("claim on a full disk: %v", err)
	}
	os.Remove(filepath.Join(dir, "fill"))
	requireEmpty(t, dir)
	if _, err := claim(dir, "lab1", "", me); err != nil {
		t.Errorf("claim once there is room: %v", err)
	}
}

// kill -9 of up once its machine lives on its own, before the lab is up in it: the record names the
// machine, status says what happened, and down (or the next up) stops it. Nothing is left.
func TestUpKilledAfterItsMachineDetachedLeavesItReachable(t *testing.T) {
	needs.VM(t)
	if err := vm.CheckInit("", ""); err != nil {
		t.Skipf("the test binary cannot be the guest's /init: %v", err)
	}
	state := t.TempDir()
	up, _ := helper(t, "up-then-hang", state, "booted")
	up.Process.Kill()
	up.Wait()
	r, err := Open(state, "lab1")
	if err != nil || r.Machine == nil || !r.Machine.Running() {
		if r != nil {
			killNamed(r.MachineName, state)
		}
		t.Fatalf("after up was killed, the record %+v (%v) does not name its running machine", r, err)
	}
	if _, err := r.AwaitUp(context.Background(), io.Discard); err == nil || !strings.Contains(err.Error(), "never came up") {
		t.Errorf("AwaitUp: %v", err)
	}
	if _, err := Down(context.Background(), state, "lab1"); err != nil {
		t.Fatal(err)
	}
	err = wait.Until(context.Background(), 10*time.Second, func() (bool, string) {
		return !r.Machine.Running(), "qemu " + r.Machine.Name + " still runs"
	})
	if err != nil {
		t.Error(err)
	}
	requireEmpty(t, Dir(state))
}

// qemusNamed are the live processes whose command line holds name.
func qemusNamed(name string) []string {
	var out []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		stat, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err == nil && strings.Contains(string(cmdline), name) && !strings.Contains(string(stat), ") Z ") {
			out = append(out, e.Name())
		}
	}
	return out
}

// killNamed kills the qemu whose command line holds both the machine's name and the test's own folder:
// what a failing test would otherwise leave running.
func killNamed(name, folder string) {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmdline), name) && strings.Contains(string(cmdline), folder) {
			var pid int
			fmt.Sscan(e.Name(), &pid)
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// kill -9 of up between starting qemu and recording it: down finds that qemu by the machine's name and
// its console in the records' folder, and stops it; nothing is left.
func TestUpKilledBeforeItRecordedItsMachineLeavesNoQemu(t *testing.T) {
	needs.VM(t)
	if err := vm.CheckInit("", ""); err != nil {
		t.Skipf("the test binary cannot be the guest's /init: %v", err)
	}
	state := t.TempDir()
	up, _ := helper(t, "hang-before-record", state, "started")
	up.Process.Kill()
	up.Wait()
	r, err := Open(state, "lab1")
	if err != nil || r.Machine != nil {
		t.Fatalf("the record: %+v, %v; want one without its machine", r, err)
	}
	t.Cleanup(func() { killNamed(r.MachineName, state) })
	if _, err := Down(context.Background(), state, "lab1"); err != nil {
		t.Fatal(err)
	}
	if left := qemusNamed(r.MachineName); len(left) > 0 {
		t.Errorf("down left the qemu up had started: %v", left)
	}
	requireEmpty(t, Dir(state))
}

// down of a lab that is up powers its machine off, as a machine is shut down: not killed.
func TestDownPowersAMachineOff(t *testing.T) {
	needs.VM(t)
	if err := vm.CheckInit("", ""); err != nil {
		t.Skipf("the test binary cannot be the guest's /init: %v", err)
	}
	state := t.TempDir()
	r, err := Up(context.Background(), state, "lab1", nil, vm.Options{Self: "lvslab"}, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Machine.Kill(context.Background()) })
	console := filepath.Join(t.TempDir(), "console")
	if err := os.Link(r.Machine.Console, console); err != nil { // down removes it
		t.Fatal(err)
	}
	if _, err := Down(context.Background(), state, "lab1"); err != nil {
		t.Fatal(err)
	}
	if r.Machine.Running() {
		t.Error("qemu still runs after down")
	}
	if said, _ := os.ReadFile(console); !strings.Contains(string(said), "Power down") {
		t.Errorf("the machine was not powered off; its console ends:\n%s", lastLines(said, 5))
	}
	requireEmpty(t, Dir(state))
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// A user who cannot write the state folder is told what to do, not handed mkdir's error alone.
func TestUpInAStateFolderTheUserCannotWrite(t *testing.T) {
	err := stateDirError("/run/lvslab/vm", &os.PathError{Op: "mkdir", Path: "/run/lvslab/vm", Err: syscall.EACCES})
	if !strings.Contains(err.Error(), "run lvslab as root") || !strings.Contains(err.Error(), "LVSLAB_STATE_DIR") {
		t.Errorf("got %v", err)
	}
}
