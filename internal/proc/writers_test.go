//go:build linux

package proc

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// A file is open for writing while a process holds it so (this one, or a shell's `exec 3>FILE` in
// another), and not when it is only read or closed.
func TestOpenForWriting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ipvs.rules")
	if busy, err := OpenForWriting(path); err != nil || busy {
		t.Fatalf("no such file: busy %v, %v", busy, err)
	}
	w, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if busy, err := OpenForWriting(path); err != nil || !busy {
		t.Errorf("held open for writing by this process: busy %v, %v", busy, err)
	}
	w.Close()
	r, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if busy, _ := OpenForWriting(path); busy {
		t.Error("only read: busy")
	}

	// A shell holds it from `exec 3>>` on, says so, and waits on its stdin.
	sh := exec.Command("sh", "-c", "exec 3>>"+path+" && echo held && { read line || true; }")
	stdin, _ := sh.StdinPipe()
	out, _ := sh.StdoutPipe()
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "held\n" {
		t.Fatalf("the shell said %q, %v", line, err)
	}
	if busy, _ := OpenForWriting(path); !busy {
		t.Error("held open for writing by another process: not seen")
	}
	stdin.Close()
	if err := sh.Wait(); err != nil {
		t.Fatal(err)
	}
	if busy, _ := OpenForWriting(path); busy {
		t.Error("the shell has ended: still busy")
	}
}

// A descriptor names the file by its path, or by a path that ends with it (a bind of its folder
// elsewhere); a file of another name is not it.
func TestDescriptorNames(t *testing.T) {
	for _, c := range []struct {
		link string
		want bool
	}{
		{"/tmp/f/ipvs.rules", true},
		{"/hostrw/tmp/f/ipvs.rules", true},
		{"/tmp/f/ipvs.rules.tmp", false},
		{"/tmp/g/ipvs.rules", false},
		{"pipe:[123]", false},
	} {
		if got := names(c.link, "/tmp/f/ipvs.rules", nil, ""); got != c.want {
			t.Errorf("%s: %v, want %v", c.link, got, c.want)
		}
	}
}
