package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lvslab/lvslab/internal/wait"
	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/vmlab"
)

// upLabInVM brings the NAT walkthrough up in a microVM under a fresh name, and takes it down when the test
// ends; it returns the lab's record.
func upLabInVM(t *testing.T, c *cli) (string, *vmlab.Record) {
	t.Helper()
	needMicroVM(t)
	name := labName()
	t.Cleanup(func() { c.run("down", name) })
	out := c.expect(0, "up", "--vm=always", "--name", name)
	if !strings.Contains(out, "lab "+name+" is up") || !strings.Contains(out, "lives in a microVM") {
		t.Fatalf("up printed:\n%s", out)
	}
	r, err := vmlab.Open(c.stateDir, name)
	if err != nil || r.Machine == nil || !r.Machine.Running() {
		t.Fatalf("no running machine recorded for %s: %v", name, err)
	}
	return name, r
}

// requireNothingLeft checks that a lab in a microVM left no qemu and no file behind.
func requireNothingLeft(t *testing.T, c *cli, r *vmlab.Record) {
	t.Helper()
	err := wait.Until(t.Context(), 20*time.Second, func() (bool, string) {
		return !r.Machine.Running(), fmt.Sprintf("qemu %s (pid %d) still runs", r.Machine.Name, r.Machine.PID)
	})
	if err != nil {
		t.Error(err)
	}
	if left, _ := filepath.Glob(filepath.Join(vmlab.Dir(c.stateDir), "*")); len(left) > 0 {
		t.Errorf("files left: %v", left)
	}
	if left, _ := filepath.Glob(filepath.Join(c.stateDir, "*")); len(left) > 1 { // the vm folder itself
		t.Errorf("files left in the state directory: %v", left)
	}
}

// The learner's session, as the issue tells it: rules typed with ipvsadm, curl over the real servers, ab,
// the stats; status and load; down, and nothing left.
func TestVMLabTakesTheTutorialsCommands(t *testing.T) {
	c := newCLI(t)
	name, r := upLabInVM(t, c)
	exec := func(want int, args ...string) string {
		return c.expect(want, append([]string{"exec", "--lab", name}, args...)...)
	}
	exec(0, "director", "--", "ipvsadm", "-C")
	exec(0, "director", "--", "ipvsadm", "-A", "-t", "192.168.0.75:80", "-s", "rr")
	for _, rs := range []string{"172.16.0.45", "172.16.0.55", "172.16.0.65"} {
		exec(0, "director", "--", "ipvsadm", "-a", "-t", "192.168.0.75:80", "-r", rs, "-m")
	}
	seen := map[string]bool{}
	for range 3 {
		seen[strings.TrimSpace(exec(0, "client", "--", "curl", "-s", "http://192.168.0.75/"))] = true
	}
	if len(seen) != 3 {
		t.Errorf("three curls under rr reached %v, want the three real servers", seen)
	}
	exec(0, "director", "--", "ipvsadm", "-E", "-t", "192.168.0.75:80", "-s", "wrr")
	exec(0, "director", "--", "ipvsadm", "-d", "-t", "192.168.0.75:80", "-r", "172.16.0.65:80")
	exec(0, "director", "--", "ipvsadm", "-e", "-t", "192.168.0.75:80", "-r", "172.16.0.45:80", "-m", "-w", "3")
	if _, err := exec0("ab"); err == nil {
		out := exec(0, "client", "--", "ab", "-q", "-n", "2000", "-c", "20", "http://192.168.0.75/index.html")
		if !strings.Contains(out, "Failed requests:        0") {
			t.Errorf("ab:\n%s", out)
		}
	}
	stats := exec(0, "director", "--", "ipvsadm", "-L", "-n", "--stats")
	rs1, rs2 := conns(t, stats, "172.16.0.45:80"), conns(t, stats, "172.16.0.55:80")
	if rs2 == 0 || rs1 < 2*rs2 || rs1 > 4*rs2 {
		t.Errorf("after wrr 3:1, --stats shows rs1 %d and rs2 %d connections, want about 3:1:\n%s", rs1, rs2, stats)
	}
	if out := exec(3, "director", "--", "sh", "-c", "exit 3"); out != "" {
		t.Errorf("exit 3 printed %q", out)
	}
	// The guest's agent runs exec's command in the host's namespace itself: the one the lab made, or none.
	if out := exec(0, "rs1", "--", "ip", "-br", "addr", "show", "eth0"); !strings.Contains(out, "172.16.0.45/") {
		t.Errorf("exec rs1 -- ip addr: %q, want rs1's address", out)
	}
	if out := exec(2, "rs9", "--", "true"); !strings.Contains(out, `no host "rs9"`) {
		t.Errorf("exec rs9: %q, want an error naming the lab's hosts", out)
	}
	if out := c.expect(0, "status", name); !strings.Contains(out, "lives in a microVM") || !strings.Contains(out, "TCP  192.168.0.75:80 wrr") {
		t.Errorf("status:\n%s", out)
	}
	if out := c.expect(0, "load", "--lab", name, "-n", "200", "-c", "4"); !regexp.MustCompile(`Complete requests:\s+200\n`).MatchString(out) {
		t.Errorf("load:\n%s", out)
	}
	ns := lab.NamespaceName(name, "rs3")
	exec(0, "director", "--", "sh", "-c", "ip netns del "+ns+" && ip netns add "+ns)
	if out := exec(2, "rs3", "--", "true"); !strings.Contains(out, "is not the one lab "+name+" made") {
		t.Errorf("exec into a namespace that replaced rs3's: %q, want it refused", out)
	}
	exec(0, "director", "--", "ip", "netns", "del", ns) // down then finds rs3's gone, not a stranger's
	if out := c.expect(0, "down", name); !strings.Contains(out, "lab "+name+" is down") {
		t.Errorf("down:\n%s", out)
	}
	requireNothingLeft(t, c, r)
}

func exec0(name string) (string, error) { return exec.LookPath(name) }

// conns reads a real server's Conns from ipvsadm -L -n --stats.
func conns(t *testing.T, stats, rs string) int {
	t.Helper()
	m := regexp.MustCompile(`-> ` + regexp.QuoteMeta(rs) + `\s+(\d+)`).FindStringSubmatch(stats)
	if m == nil {
		return 0
	}
	var n int
	fmt.Sscan(m[1], &n)
	return n
}

// In tmux, as a learner types: lvslab shell director shows the tutorial's prompt, runs ipvsadm, and
// Ctrl-C stops a running ping, not the shell.
func TestVMLabShellBehavesAsALocalShell(t *testing.T) {
	for _, tool := range []string{"tmux", "ping", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s", tool)
		}
	}
	c := newCLI(t)
	name, _ := upLabInVM(t, c)
	session := "lvslab-test-" + name
	self, _ := os.Executable()
	shell := fmt.Sprintf("env LVSLAB_TEST_AS_MAIN=1 LVSLAB_STATE_DIR=%s %s shell --lab %s director", c.stateDir, self, name)
	if out, err := exec.Command("tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", shell).CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", session).Run() })
	screen := func() string {
		out, _ := exec.Command("tmux", "capture-pane", "-p", "-t", session).Output()
		return string(out)
	}
	shows := func(what string) {
		t.Helper()
		err := wait.Until(t.Context(), 30*time.Second, func() (bool, string) {
			return strings.Contains(screen(), what), "the screen does not show " + what
		})
		if err != nil {
			t.Fatalf("%v:\n%s", err, screen())
		}
	}
	keys := func(k ...string) { exec.Command("tmux", append([]string{"send-keys", "-t", session}, k...)...).Run() }
	shows("[root@director ")
	keys("ipvsadm -L -n", "Enter")
	shows("TCP  192.168.0.75:80")
	keys("ping 172.16.0.45", "Enter")
	shows("bytes from 172.16.0.45")
	keys("C-c")
	shows("packets transmitted")
	keys("echo still-here-$?", "Enter")
	shows("still-here-")
	keys("exit", "Enter")
}

// kill -9 of up while its machine boots: nothing outlives it but what down removes.
func TestVMLabUpKilledWhileBootingLeavesNothing(t *testing.T) {
	needMicroVM(t)
	c, name := newCLI(t), labName()
	cmd, out := c.start("up", "--vm=always", "--name", name)
	var r *vmlab.Record
	err := wait.Until(t.Context(), time.Minute, func() (bool, string) {
		r, _ = vmlab.Open(c.stateDir, name)
		return r != nil && len(processesNamed(r.MachineName)) > 0, "no qemu of the lab's yet"
	})
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	err = wait.Until(t.Context(), time.Minute, func() (bool, string) {
		left := processesNamed(r.MachineName)
		return len(left) == 0, fmt.Sprintf("qemu outlived the up killed with SIGKILL: %v", left)
	})
	if err != nil {
		t.Fatal(err)
	}
	c.expect(0, "down", name) // the record up had written
	if left, _ := filepath.Glob(filepath.Join(vmlab.Dir(c.stateDir), "*")); len(left) > 0 {
		t.Errorf("files left after down: %v", left)
	}
}

// down while up boots the lab's machine: down stops that up, which takes back what it made, and says so;
// meanwhile status says the lab is coming up, a second up of the name is refused, and an exec waits for
// the lab, then says it never came up.
func TestVMLabDownDuringBootStopsTheUp(t *testing.T) {
	needMicroVM(t)
	c, name := newCLI(t), labName()
	up, upOut := c.start("up", "--vm=always", "--name", name)
	err := wait.Until(t.Context(), 30*time.Second, func() (bool, string) {
		r, err := vmlab.Open(c.stateDir, name)
		return err == nil && r.Phase == vmlab.PhaseBooting && r.Booter.Running(), fmt.Sprintf("no record of a lab coming up: %v", err)
	})
	if err != nil {
		up.Process.Kill()
		t.Fatal(err)
	}
	if out := c.expect(0, "status", name); !strings.Contains(out, "coming up in a microVM") {
		t.Errorf("status while it boots:\n%s", out)
	}
	if out := c.expect(exitUnusable, "up", "--vm=always", "--name", name); !strings.Contains(out, "being brought up by another lvslab (pid "+fmt.Sprint(up.Process.Pid)) {
		t.Errorf("a second up while the first boots:\n%s", out)
	}
	waiter, waiterOut := c.start("exec", "--lab", name, "client", "--", "true")
	err = wait.Until(t.Context(), 30*time.Second, func() (bool, string) {
		return strings.Contains(waiterOut.String(), "still coming up"), "the exec does not say it waits: " + waiterOut.String()
	})
	if err != nil {
		t.Error(err)
	}
	out := c.expect(0, "down", name)
	if !strings.Contains(out, fmt.Sprintf("stopped the lvslab bringing it up (pid %d)", up.Process.Pid)) || !strings.Contains(out, "lab "+name+" is down") {
		t.Errorf("down while up boots:\n%s", out)
	}
	var exit *exec.ExitError
	if err := up.Wait(); !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Errorf("the up that down stopped: %v\n%s", err, upOut.String())
	}
	if err := waiter.Wait(); !errors.As(err, &exit) || exit.ExitCode() != exitUnusable || !strings.Contains(waiterOut.String(), "did not come up") {
		t.Errorf("an exec waiting for the lab: %v\n%s", err, waiterOut.String())
	}
	if left := processesNamed("lvslab-" + name + "-"); len(left) > 0 {
		t.Errorf("qemu left: %v", left)
	}
	if left, _ := filepath.Glob(filepath.Join(vmlab.Dir(c.stateDir), "*")); len(left) > 0 {
		t.Errorf("files left: %v", left)
	}

	// Again, once its qemu runs.
	up, upOut = c.start("up", "--vm=always", "--name", name)
	var r *vmlab.Record
	err = wait.Until(t.Context(), time.Minute, func() (bool, string) {
		r, _ = vmlab.Open(c.stateDir, name)
		return r != nil && r.Machine != nil && r.Machine.Running(), "no qemu recorded yet"
	})
	if err != nil {
		up.Process.Kill()
		t.Fatal(err)
	}
	if out := c.expect(0, "down", name); !strings.Contains(out, "stopped the lvslab bringing it up") {
		t.Errorf("down while qemu boots:\n%s", out)
	}
	if err := up.Wait(); !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Errorf("the up that down stopped: %v\n%s", err, upOut.String())
	}
	requireNothingLeft(t, c, r)
}

// kill -9 of exec mid-command: the command stops in the machine, and the lab goes on working; an
// unrelated lvslab command leaves the machine alone; kill -9 of qemu leaves a record that down removes.
func TestVMLabSurvivesKilledClientsAndCleansUpAKilledMachine(t *testing.T) {
	c := newCLI(t)
	name, r := upLabInVM(t, c)
	cmd, _ := c.start("exec", "--lab", name, "director", "--", "sh", "-c", "echo started; exec sleep 300")
	err := wait.Until(t.Context(), 30*time.Second, func() (bool, string) {
		out, _ := c.run("exec", "--lab", name, "director", "--", "pgrep", "-x", "sleep")
		return strings.TrimSpace(out) != "", "sleep has not started in the machine"
	})
	if err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	err = wait.Until(t.Context(), 30*time.Second, func() (bool, string) {
		out, code := c.run("exec", "--lab", name, "director", "--", "pgrep", "-x", "sleep")
		return code == 1, "sleep still runs in the machine after its exec was killed: " + out
	})
	if err != nil {
		t.Error(err)
	}
	// A closed terminal (SIGHUP) while stdin streams, to a command that ignores hang-ups: the exec here
	// ends, and the command there is killed after its grace.
	hup := c.command("exec", "--lab", name, "client", "--", "sh", "-c", "trap '' HUP; echo started; exec sleep 300")
	hup.Stdin = endlessInput{}
	hupOut := &syncBuffer{}
	hup.Stdout, hup.Stderr = hupOut, hupOut
	if err := hup.Start(); err != nil {
		t.Fatal(err)
	}
	err = wait.Until(t.Context(), 30*time.Second, func() (bool, string) {
		return strings.Contains(hupOut.String(), "started"), "the command has not started: " + hupOut.String()
	})
	if err != nil {
		t.Fatal(err)
	}
	hup.Process.Signal(syscall.SIGHUP)
	ended := make(chan error, 1)
	go func() { ended <- hup.Wait() }()
	var exit *exec.ExitError
	select {
	case err := <-ended:
		if !errors.As(err, &exit) || exit.ExitCode() != 129 {
			t.Errorf("exec hung up: %v, want exit status 129\n%s", err, hupOut.String())
		}
	case <-time.After(30 * time.Second):
		hup.Process.Kill()
		t.Errorf("exec still runs 30 s after its terminal hung up\n%s", hupOut.String())
	}
	err = wait.Until(t.Context(), 30*time.Second, func() (bool, string) {
		out, code := c.run("exec", "--lab", name, "client", "--", "pgrep", "-x", "sleep")
		return code == 1, "sleep still runs in the machine after its exec was hung up: " + out
	})
	if err != nil {
		t.Error(err)
	}
	c.expect(0, "vm", "--", "true") // an unrelated command
	if out := c.expect(0, "exec", "--lab", name, "client", "--", "curl", "-s", "http://192.168.0.75/"); !strings.Contains(out, "magedu.com") {
		t.Errorf("the lab stopped answering: %q", out)
	}
	syscall.Kill(r.Machine.PID, syscall.SIGKILL)
	err = wait.Until(t.Context(), 20*time.Second, func() (bool, string) { return !r.Machine.Running(), "qemu still runs" })
	if err != nil {
		t.Fatal(err)
	}
	if out, code := c.run("status", name); code != exitUnusable || !strings.Contains(out, "not running") {
		t.Errorf("status of a lab whose machine was killed: exit %d\n%s", code, out)
	}
	c.expect(0, "down", name)
	requireNothingLeft(t, c, r)
}

// processesNamed lists the pids whose command line holds name.
func processesNamed(name string) []string {
	var pids []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmdline), name) {
			stat, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
			if i := strings.LastIndexByte(string(stat), ')'); i > 0 && i+2 < len(stat) && stat[i+2] != 'Z' {
				pids = append(pids, e.Name())
			}
		}
	}
	return pids
}

// endlessInput is stdin that never ends, as `yes |` gives.
type endlessInput struct{}

func (endlessInput) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'y'
	}
	return len(p), nil
}
