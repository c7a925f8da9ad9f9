package main

import (
	"fmt"
	"io"
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

// A damaged state file neither panics a command nor hides the healthy labs beside it.
func TestDamagedStateFilesAreReportedAndHealthyLabsStillServed(t *testing.T) {
	labtest.RequireRoot(t)
	c, name := newCLI(t), labName()
	t.Cleanup(func() { c.run("down", name) })
	c.expect(0, "up", "--vm=never", "--name", name)
	os.WriteFile(filepath.Join(c.stateDir, "zz.json"), []byte("{garbage"), 0o644)
	os.WriteFile(filepath.Join(c.stateDir, "x.json"), []byte(`{"name":"x"}`), 0o644)

	for _, args := range [][]string{{"status", "x"}, {"exec", "--lab", "x", "nosuch", "--", "true"}, {"down", "x"}} {
		out := c.expect(exitUnusable, args...)
		if strings.Contains(out, "panic") || !strings.Contains(out, "x.json is damaged or not lvslab's") {
			t.Errorf("lvslab %s:\n%s", strings.Join(args, " "), out)
		}
	}
	out := c.expect(exitUnusable, "status")
	for _, want := range []string{"lab " + name + ": up since", "zz.json is damaged", "1:2: invalid character", "x.json is damaged"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "zz-*") {
		t.Errorf("status advises a glob that would take others' namespaces:\n%s", out)
	}
	out = c.expect(exitUnusable, "down", "--all")
	if !strings.Contains(out, "lab "+name+" is down") || !strings.Contains(out, "zz.json is damaged") {
		t.Errorf("down --all:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(c.stateDir, name+".json")); err == nil {
		t.Errorf("down --all left the healthy lab %s up", name)
	}
	for _, f := range []string{"zz.json", "x.json"} {
		if _, err := os.Stat(filepath.Join(c.stateDir, f)); err != nil {
			t.Errorf("down --all removed %s, which it cannot read: %v", f, err)
		}
	}
}

// `bash -c 'lvslab up 200>&1 …' | cat` once hung until down: the lab's server process kept the caller's
// descriptor 200, so the pipe never closed. up must return with no child holding what it inherited.
func TestUpLeavesNoChildHoldingTheCallersDescriptors(t *testing.T) {
	labtest.RequireRoot(t)
	c, name := newCLI(t), labName()
	t.Cleanup(func() { c.run("down", name) })
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := c.command("up", "--vm=never", "--name", name)
	cmd.ExtraFiles = make([]*os.File, 198)
	cmd.ExtraFiles[197] = w // descriptor 200 in lvslab, without close-on-exec, as bash's 200>&1 leaves it
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("up: %v\n%s", err, out)
	}
	w.Close()
	r.SetReadDeadline(time.Now().Add(3 * time.Second))
	if n, err := r.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("the pipe lvslab up inherited is still open after it exited (read %d, %v): a child holds it", n, err)
	}
}

// SIGTERM in the middle of up: the command stops, says so in its exit status, and leaves nothing.
func TestUpStoppedBySIGTERMLeavesNothing(t *testing.T) {
	labtest.RequireRoot(t)
	c, name := newCLI(t), labName()
	t.Cleanup(func() { c.run("down", name) })
	var b strings.Builder
	b.WriteString("name: big\nnetworks:\n  lan: {subnet: 10.20.0.0/16}\nhosts:\n")
	for i := range 150 {
		fmt.Fprintf(&b, "  h%d: {interfaces: [{network: lan, address: 10.20.%d.%d/16}], http: {port: 80, body: h%d}}\n", i, i/200, 1+i%200, i)
	}
	topo := filepath.Join(t.TempDir(), "big.yaml")
	os.WriteFile(topo, []byte(b.String()), 0o644)
	cmd, out := c.start("up", "--vm=never", "-f", topo, "--name", name)
	code := c.signalWhen(cmd, syscall.SIGTERM, 10*time.Second, func() (bool, string) {
		ns, _ := filepath.Glob(filepath.Join(lab.NetnsDir, name+"-*"))
		return len(ns) > 0, "up has made no namespace yet"
	})
	if code != 128+int(syscall.SIGTERM) || !strings.Contains(out.String(), "stopped by SIGTERM") {
		t.Errorf("exit %d, output:\n%s\nwant exit 143 saying SIGTERM stopped it", code, out.String())
	}
	if ns, _ := filepath.Glob(filepath.Join(lab.NetnsDir, name+"-*")); len(ns) > 0 {
		t.Errorf("namespaces left: %d", len(ns))
	}
	if left, _ := os.ReadDir(c.stateDir); len(left) > 0 {
		t.Errorf("files left in the state directory: %v", left)
	}
}

func TestLoadChecksItsFlagsAndTargetOnce(t *testing.T) {
	labtest.RequireRoot(t)
	c, name := newCLI(t), labName()
	t.Cleanup(func() { c.run("down", name) })
	c.expect(0, "up", "--vm=never", "--name", name)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-n", "10", "--rate", "5"}, "--rate and --duration go together"},
		{[]string{"-n", "0"}, "-n 0: want 1 or more requests"},
		{[]string{"-n", "1"}, "-c 10 is more than -n 1"},
		{[]string{"http://10.1.1.1/"}, "10.1.1.1 is not an address of lab " + name},
		{[]string{"http://example.com/"}, "example.com is a name, which would be looked up in DNS"},
	} {
		args := append([]string{"load", "--from", "director"}, tc.args...)
		if !strings.HasPrefix(tc.args[len(tc.args)-1], "http") {
			args = append(args, "http://172.16.0.45/")
		}
		out := c.expect(exitUnusable, args...)
		if strings.Count(out, tc.want) != 1 || strings.Contains(out, "loadgen:") {
			t.Errorf("lvslab %s: want %q said once, in the CLI's words:\n%s", strings.Join(args, " "), tc.want, out)
		}
	}
	out := c.expect(exitFailed, "load", "--from", "director", "-n", "10000000", "-c", "2", "--time-limit", "300ms", "http://172.16.0.45/")
	if !strings.Contains(out, "--time-limit 300ms reached after") || !strings.Contains(out, "of 10000000 requests") {
		t.Errorf("a run cut short by --time-limit:\n%s", out)
	}
	out = c.expect(exitFailed, "load", "--from", "director", "-n", "3", "-c", "1", "http://172.16.0.45:81/")
	if !strings.Contains(out, "Requests per second:   - (none completed)") {
		t.Errorf("no request completed, yet a rate:\n%s", out)
	}
}

// Ctrl-C in the middle of a load: the report of what was sent, and an exit status that says so.
func TestLoadInterruptedReportsWhatItSent(t *testing.T) {
	labtest.RequireRoot(t)
	c, name := newCLI(t), labName()
	t.Cleanup(func() { c.run("down", name) })
	c.expect(0, "up", "--vm=never", "--name", name)
	cmd, out := c.start("load", "--from", "director", "-n", "10000000", "-c", "2", "http://172.16.0.45/")
	code := c.signalWhen(cmd, os.Interrupt, 10*time.Second, func() (bool, string) {
		st := c.expect(0, "status", name)
		return strings.Contains(st, `"RS1.magedu.com" (`) && !strings.Contains(st, `"RS1.magedu.com" (0 `), "rs1 has served nothing yet"
	})
	if code != 130 {
		t.Fatalf("exit status %d, want 130\n%s", code, out.String())
	}
	for _, want := range []string{"(interrupted)", "Complete requests:", "interrupted after", "of 10000000 requests", "stopped by SIGINT"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// A lab with a host's namespace gone: status lists it and exits 2; exec says what became of it.
func TestStatusAndExecSayWhatIsBroken(t *testing.T) {
	labtest.RequireRoot(t)
	c, name := newCLI(t), labName()
	t.Cleanup(func() { c.run("down", name) })
	c.expect(0, "up", "--vm=never", "--name", name)
	if out, err := exec.Command("ip", "netns", "del", name+"-rs2").CombinedOutput(); err != nil {
		t.Fatalf("ip netns del: %v %s", err, out)
	}
	out := c.expect(exitUnusable, "status", name)
	if !strings.Contains(out, "problem: namespace "+name+"-rs2 is gone") || !strings.Contains(out, "lab "+name+" has problems") {
		t.Errorf("status:\n%s", out)
	}
	out = c.expect(exitUnusable, "exec", "rs2", "--", "true")
	if !strings.Contains(out, "host rs2's namespace "+name+"-rs2 is gone") || !strings.Contains(out, "lvslab down "+name) {
		t.Errorf("exec:\n%s", out)
	}
}
