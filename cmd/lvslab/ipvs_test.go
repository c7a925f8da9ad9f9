package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/labtest"
)

func TestIPVSDemoPassesAndNarrates(t *testing.T) {
	labtest.RequireIPVS(t)
	c, name := newCLI(t), labName()
	out := c.expect(0, "demo", "--vm=never", "-n", "400", "-c", "20", "--name", name)
	for _, want := range []string{"# ipvsadm -E -t 192.168.0.75:80 -s wrr", "# ipvsadm -L -n --stats", "PASS: rs1:rs2 = 300:100"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}

func TestIPVSTestFailsWrongExpectationsWithADiff(t *testing.T) {
	labtest.RequireIPVS(t)
	dir := t.TempDir()
	twoToOne := filepath.Join(dir, "two-to-one.yaml")
	os.WriteFile(twoToOne, []byte(`name: two-to-one
about: a wrong expectation - wrr 3:1 asked to split 2:1
rules: |
  -A -t 192.168.0.75:80 -s wrr
  -a -t 192.168.0.75:80 -r 172.16.0.45 -m -w 3
  -a -t 192.168.0.75:80 -r 172.16.0.55 -m -w 1
load: {connections: 400, concurrency: 10}
expect: {split: {rs1: 2, rs2: 1}, exact: true}
`), 0o644)
	sedOrder := filepath.Join(dir, "sed-wrong-order.yaml")
	os.WriteFile(sedOrder, []byte(`name: sed-wrong-order
about: a wrong expectation - the tutorial's sed sequence, with the real servers added in the other order
rules: |
  -A -t 192.168.0.75:80 -s sed
  -a -t 192.168.0.75:80 -r 172.16.0.45 -m -w 1
  -a -t 192.168.0.75:80 -r 172.16.0.55 -m -w 4
  -a -t 192.168.0.75:80 -r 172.16.0.65 -m -w 6
load: {connections: 7, hold: true}
expect: {sequence: rs3 rs2 rs3 rs2 rs3 rs3 rs2}
`), 0o644)
	c := newCLI(t)
	junit := filepath.Join(dir, "report.xml")
	out := c.expect(exitFailed, "test", "--vm=never", twoToOne, sedOrder, "sed-tutorial", "--junit", junit)
	for _, want := range []string{"FAIL  two-to-one", "FAIL  sed-wrong-order", "PASS  sed-tutorial", "1 passed, 2 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("lvslab test output lacks %q:\n%s", want, out)
		}
	}
	report, err := os.ReadFile(junit)
	if err != nil || !strings.Contains(string(report), `tests="3" failures="2" errors="0"`) {
		t.Errorf("JUnit report (%v):\n%s", err, report)
	}
	t.Logf("what a user sees:\n%s", out)
}

// SIGTERM while lvslab test runs: the scenario under way is taken down, the rest do not start, the summary
// says so, and the exit status names the signal.
func TestIPVSTestStoppedBySIGTERMLeavesNothing(t *testing.T) {
	labtest.RequireIPVS(t)
	c := newCLI(t)
	cmd, out := c.start("test", "--vm=never", "-j", "1", "rr", "wrr-tutorial", "wlc", "lc")
	code := c.signalWhen(cmd, syscall.SIGTERM, 2*time.Minute, func() (bool, string) {
		return strings.Contains(out.String(), "  rr"), "the first scenario has not finished"
	})
	if code != 143 {
		t.Fatalf("exit status %d, want 143\n%s", code, out.String())
	}
	if !strings.Contains(out.String(), "stopped by SIGTERM") || strings.Contains(out.String(), "  lc") {
		t.Errorf("output:\n%s", out.String())
	}
	if ns, _ := filepath.Glob(filepath.Join(lab.NetnsDir, "t-*")); len(ns) > 0 { // the scenarios' labs
		t.Errorf("namespaces left: %v", ns)
	}
	if left, _ := os.ReadDir(c.stateDir); len(left) > 0 {
		t.Errorf("state files left: %v", left)
	}
}

// status --save prints what ipvsadm -S -n prints in the director, and ipvsadm -R takes it back.
func TestIPVSStatusSaveIsIpvsadmSave(t *testing.T) {
	labtest.RequireIPVS(t)
	if _, err := exec.LookPath("ipvsadm"); err != nil {
		t.Skip("ipvsadm is not installed")
	}
	c, name := newCLI(t), labName()
	t.Cleanup(func() { c.run("down", name) })
	c.expect(0, "up", "--vm=never", "--name", name)
	saved := c.expect(0, "status", "--save", name)
	ipvsadm := c.expect(0, "exec", "--lab", name, "director", "--", "ipvsadm", "-S", "-n")
	if saved != ipvsadm || !strings.Contains(saved, "-A -t 192.168.0.75:80 -s") {
		t.Errorf("status --save:\n%s\nipvsadm -S -n:\n%s", saved, ipvsadm)
	}
	c.expect(0, "exec", "--lab", name, "director", "--", "ipvsadm", "-C")
	restore := c.command("exec", "--lab", name, "director", "--", "ipvsadm", "-R")
	restore.Stdin = strings.NewReader(saved)
	if out, err := restore.CombinedOutput(); err != nil {
		t.Fatalf("ipvsadm -R: %v\n%s", err, out)
	}
	if again := c.expect(0, "status", "--save", name); again != saved {
		t.Errorf("after ipvsadm -C and -R of the saved rules:\n%s\nwant\n%s", again, saved)
	}
}

// The course tests itself: every step's solution makes it done, every mistake makes its hint fire.
func TestIPVSTutorialCheckPasses(t *testing.T) {
	labtest.RequireIPVS(t)
	c := newCLI(t)
	out := c.expect(0, "tutorial", "--check", "--vm=never")
	if !strings.Contains(out, "every step, every hint and every race of the tutorial behaved") || strings.Contains(out, "FAIL") {
		t.Errorf("tutorial --check:\n%s", out)
	}
	// The course's own traps among them: the wrong port, -C before -S, UDP, wrr at step 1, the save race.
	for _, want := range []string{"ok    nat/real-servers (hints fired: route-in-nat, rs-wrong-port", "wrr-first", "udp-service",
		"cleared-before-save, cleared-before-save; races: save-race)"} {
		if !strings.Contains(out, want) {
			t.Errorf("tutorial --check does not say %q:\n%s", want, out)
		}
	}
}
