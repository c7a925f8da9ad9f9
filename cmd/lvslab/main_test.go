package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lvslab/lvslab/internal/syncbuf"
	"github.com/lvslab/lvslab/internal/wait"
	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/labtest"
)

// The tests run lvslab as a user does: this test binary re-executed as the command, with its own state
// directory, checking output and exit status.
func TestMain(m *testing.M) {
	runGuestOrChild() // this binary is the guest's /init when a test runs lvslab vm
	if os.Getenv("LVSLAB_TEST_AS_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type cli struct {
	t        testing.TB
	stateDir string
	exe      string // the binary to run; "" for this test binary as main
}

func newCLI(t *testing.T) *cli { return &cli{t: t, stateDir: t.TempDir()} }

// run runs lvslab with args and returns its output (stdout and stderr) and exit status.
func (c *cli) run(args ...string) (string, int) {
	c.t.Helper()
	out, err := c.command(args...).CombinedOutput()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	case err != nil:
		c.t.Fatal(err)
	}
	return string(out), 0
}

// command is lvslab with args (this test binary, run as main), with the test's own state directory.
func (c *cli) command(args ...string) *exec.Cmd {
	c.t.Helper()
	self, err := os.Executable()
	if err != nil {
		c.t.Fatal(err)
	}
	if c.exe != "" {
		self = c.exe
	}
	cmd := exec.Command(self, args...)
	cmd.Env = append(os.Environ(), "LVSLAB_TEST_AS_MAIN=1", "LVSLAB_STATE_DIR="+c.stateDir)
	return cmd
}

// start starts lvslab with args as a process of its own, its output gathered as it comes.
func (c *cli) start(args ...string) (*exec.Cmd, *syncBuffer) {
	c.t.Helper()
	cmd := c.command(args...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	return cmd, out
}

// signalWhen sends sig to a started lvslab once ready reports so (within timeout), and returns its exit
// status; -1 if it exited 0 or by a signal of its own.
func (c *cli) signalWhen(cmd *exec.Cmd, sig os.Signal, timeout time.Duration, ready func() (bool, string)) int {
	c.t.Helper()
	if err := wait.Until(context.Background(), timeout, ready); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		c.t.Fatal(err)
	}
	cmd.Process.Signal(sig)
	var exit *exec.ExitError
	if err := cmd.Wait(); errors.As(err, &exit) {
		return exit.ExitCode()
	}
	return -1
}

type syncBuffer = syncbuf.Buffer

func (c *cli) expect(want int, args ...string) string {
	c.t.Helper()
	out, code := c.run(args...)
	if code != want {
		c.t.Fatalf("lvslab %s: exit status %d, want %d; output:\n%s", strings.Join(args, " "), code, want, out)
	}
	return out
}

func labName() string {
	b := make([]byte, 3)
	rand.Read(b)
	return "ct-" + hex.EncodeToString(b)
}

func TestUpExecLoadStatusDown(t *testing.T) {
	labtest.RequireRoot(t)
	c, name := newCLI(t), labName()
	t.Cleanup(func() { c.run("down", name) })

	out := c.expect(0, "up", "--vm=never", "--name", name)
	if !strings.Contains(out, "lab "+name+" is up") || !strings.Contains(out, "172.16.0.45/16") {
		t.Errorf("up printed:\n%s", out)
	}
	out, code := c.run("up", "--vm=never", "--name", name)
	if code != exitUnusable || !strings.Contains(out, "already up") {
		t.Errorf("a second up of %s: exit %d, output:\n%s", name, code, out)
	}
	if out := c.expect(0, "exec", "director", "--", "curl", "-s", "http://172.16.0.45/"); out != "RS1.magedu.com\n" {
		t.Errorf("curl from the director printed %q, want RS1.magedu.com", out)
	}
	out = c.expect(0, "load", "-n", "2000", "-c", "50", "--from", "director", "http://172.16.0.45/")
	for _, want := range []string{`Complete requests:\s+2000\n`, `Failed requests:\s+0\n`, `Connections opened:\s+2000\n`, `\n\s+rs1\s+2000 connections\s+2000 requests\n`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("load output lacks %q:\n%s", want, out)
		}
	}
	out = c.expect(0, "status")
	if !strings.Contains(out, `"RS1.magedu.com" (2001 connections, 2001 requests)`) {
		t.Errorf("status does not show what rs1 served:\n%s", out)
	}
	c.expect(0, "down")
	if out := c.expect(0, "down", name); !strings.Contains(out, "not up; nothing to do") {
		t.Errorf("a second down printed:\n%s", out)
	}
	if ns, _ := filepath.Glob(filepath.Join(lab.NetnsDir, name+"-*")); len(ns) > 0 {
		t.Errorf("namespaces left after down: %v", ns)
	}
}

func TestLoadCountsFailuresAndExitsOne(t *testing.T) {
	labtest.RequireRoot(t)
	c, name := newCLI(t), labName()
	t.Cleanup(func() { c.run("down", name) })
	c.expect(0, "up", "--vm=never", "--name", name)
	out := c.expect(exitFailed, "load", "-n", "10", "--from", "director", "http://172.16.0.45:81/")
	if !regexp.MustCompile(`Failed requests:\s+10 \(refused 10\)`).MatchString(out) {
		t.Errorf("load against a closed port printed:\n%s", out)
	}
}

func TestBadInputExitsTwoAndSaysWhy(t *testing.T) {
	c := newCLI(t)
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("name: x\nnetworks:\n  n: {subnet: 10.0.0.0/33}\n"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"up", "-f", bad}, "bad.yaml:3:"},
		{[]string{"up", "-f", "no-such-topology"}, "no built-in topology of that name (built in: dr, "},
		{[]string{"exec", "director", "curl"}, "write the command after --"},
		{[]string{"load", "-n", "x"}, "invalid argument"},
		{[]string{"frobnicate"}, "unknown command"},
	} {
		out, code := c.run(tc.args...)
		if code != exitUnusable || !strings.Contains(out, tc.want) {
			t.Errorf("lvslab %s: exit %d, want %d with %q; output:\n%s", strings.Join(tc.args, " "), code, exitUnusable, tc.want, out)
		}
	}
}

func TestDownWithNothingUpIsHarmless(t *testing.T) {
	c := newCLI(t)
	if out := c.expect(0, "down"); !strings.Contains(out, "no lab is up; nothing to do") {
		t.Errorf("down with no lab printed:\n%s", out)
	}
}

// With two labs up, --lab picks the one that status, down, exec and load act on; NAME works alike.
func TestLabFlagPicksTheLab(t *testing.T) {
	labtest.RequireRoot(t)
	c, a, b := newCLI(t), labName(), labName()
	t.Cleanup(func() { c.run("down", "--all") })
	c.expect(0, "up", "--vm=never", "--name", a)
	c.expect(0, "up", "--vm=never", "--name", b)
	if out := c.expect(0, "status", "--lab", a); !strings.Contains(out, "lab "+a+":") || strings.Contains(out, "lab "+b+":") {
		t.Errorf("status --lab %s:\n%s", a, out)
	}
	if out := c.expect(exitUnusable, "status", a, "--lab", b); !strings.Contains(out, "name one lab") {
		t.Errorf("status NAME --lab OTHER:\n%s", out)
	}
	if out := c.expect(0, "exec", "--lab", b, "director", "--", "true"); out != "" {
		t.Errorf("exec --lab: %q", out)
	}
	if out := c.expect(0, "down", "--lab", a); !strings.Contains(out, "lab "+a+" is down") {
		t.Errorf("down --lab %s:\n%s", a, out)
	}
	if out := c.expect(0, "status"); strings.Contains(out, "lab "+a+":") || !strings.Contains(out, "lab "+b+":") {
		t.Errorf("after down --lab %s, status shows:\n%s", a, out)
	}
}

// --vm is a flag of the commands that may move into the microVM, and of no other.
func TestVMFlagOnlyWhereItIsRead(t *testing.T) {
	c := newCLI(t)
	for _, args := range [][]string{{"status", "--vm=always"}, {"down", "--vm=never"}, {"exec", "--vm=never", "x", "--", "true"}} {
		if out := c.expect(exitUnusable, args...); !strings.Contains(out, "unknown flag: --vm") {
			t.Errorf("lvslab %s:\n%s", strings.Join(args, " "), out)
		}
	}
	for _, name := range []string{"demo", "test", "up"} {
		if out := c.expect(0, name, "--help"); !strings.Contains(out, "--vm string") {
			t.Errorf("lvslab %s --help does not show --vm:\n%s", name, out)
		}
	}
}
