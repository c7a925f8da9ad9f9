package vm

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/vm/proto"
)

// In a userland, a command's name is looked up in the userland's folders, not the host's; a command
// given by its host path, and the working folder, are bound in from the host.
func TestJobInAUserland(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "usr/sbin"), 0o755)
	os.WriteFile(filepath.Join(root, "usr/sbin/ipvsadm"), []byte("x"), 0o755)
	env := []string{"PATH=/usr/local/bin:/usr/sbin"}
	if got, err := lookPath("ipvsadm", "/", env, root); err != nil || got != "/usr/sbin/ipvsadm" {
		t.Errorf("ipvsadm in the userland: %q, %v", got, err)
	}
	if _, err := lookPath("go", "/", []string{"PATH=/usr/local/go/bin"}, root); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("a host program the userland lacks: %v, want not found", err)
	}
	work, bin := t.TempDir(), t.TempDir()
	opts := &Options{Userland: root, Argv: []string{filepath.Join(bin, "x.test")}}
	if got := hostBinds(work, opts.Argv[0], opts); strings.Join(got, " ") != work+" "+bin {
		t.Errorf("binds %v, want the working folder and the test binary's", got)
	}
	opts = &Options{Userland: root, Argv: []string{"ipvsadm"}, Share: work}
	if got := hostBinds(work, "/usr/sbin/ipvsadm", opts); len(got) != 0 {
		t.Errorf("binds %v, want none: the share is bound read-write, ipvsadm is the userland's", got)
	}
}

// Debian's userland reaches the guest as its EROFS image on a read-only virtio disk, not over 9p: the
// disk carries lvslab's serial, and the userland's files carry the image's date (the epoch), not the
// packages'.
func TestUserlandFromItsDisk(t *testing.T) {
	opts := needVM(t)
	var out, errOut bytes.Buffer
	opts.Argv = []string{"/bin/sh", "-c", "echo $(cat /sys/block/vda/serial); stat -c %Y /usr/sbin/ipvsadm; touch /usr/sbin/ipvsadm && echo writable"}
	opts.Stdout, opts.Stderr = &out, &errOut
	res, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if want := proto.UserlandDiskSerial + "\n0\nwritable\n"; res.ExitCode != 0 || out.String() != want {
		t.Errorf("exit %d, stdout %q, stderr %q; want the disk's serial, the epoch, and a root still writable through its overlay (%q)", res.ExitCode, out.String(), errOut.String(), want)
	}
}
