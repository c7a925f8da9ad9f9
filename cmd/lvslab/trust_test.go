package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A damaged state file neither panics a command nor hides the healthy labs beside it.
func TestDamagedStateFilesAreReportedAndHealthyLabsStillServed(t *testing.T) {
	requireRoot(t)
	c, name := newCLI(t), labName()
	t.Cleanup(func() { c.run("down", name) })
	c.expect(0, "up", "--name", name)
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
	requireRoot(t)
	c, name := newCLI(t), labName()
	t.Cleanup(func() { c.run("down", name) })
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	self, _ := os.Executable()
	cmd := exec.Command(self, "up", "--name", name)
	cmd.Env = append(os.Environ(), "LVSLAB_TEST_AS_MAIN=1", "LVSLAB_STATE_DIR="+c.stateDir)
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
