package vm

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/erofs/go-erofs"
	"github.com/lvslab/lvslab/internal/erofsimage"
	"github.com/lvslab/lvslab/vm/proto"
)

// In a userland, a command's name is looked up in the userland's folders, not the host's; a command
// given by its host path, and the working folder, are bound in from the host.
func TestJobInAUserland(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "usr/sbin"), 0o755)
	os.WriteFile(filepath.Join(root, "usr/sbin/ipvsadm"), []byte("x"), 0o755)
	env := []string{"PATH=/usr/local/bin:/usr/sbin"}
	if got, err := lookPath("ipvsadm", "/", env, os.DirFS(root)); err != nil || got != "/usr/sbin/ipvsadm" {
		t.Errorf("ipvsadm in the userland: %q, %v", got, err)
	}
	if _, err := lookPath("go", "/", []string{"PATH=/usr/local/go/bin"}, os.DirFS(root)); err == nil || !strings.Contains(err.Error(), "not found") {
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

// A guest on a host whose qemu has no 9p shares (Windows), booted here with them turned off: its programs
// from the userland's disk, its modules from the kernel's (the kernel's own request for a scheduler
// loads it), no 9p loaded, the command in the guest's /.
func TestVMWithoutNinePShares(t *testing.T) {
	opts := needVM(t)
	defer func(shares, loopback bool) { ninePShares, linksOverLoopback = shares, loopback }(ninePShares, linksOverLoopback)
	ninePShares, linksOverLoopback = false, true
	var out, errOut bytes.Buffer
	saved, rules := filepath.Join(t.TempDir(), "rules.txt"), filepath.Join(t.TempDir(), "in.rules")
	os.WriteFile(rules, []byte("-A -t 10.0.0.2:80 -s sh\n"), 0o644)
	opts.Argv = []string{"/bin/sh", "-c", "pwd; ipvsadm -A -t 10.0.0.1:80 -s wrr && ipvsadm -Ln | grep -c wrr; grep -c '^ip_vs_wrr ' /proc/modules; grep -cw 9p /proc/filesystems; ipvsadm -R < \"$1\" && ipvsadm -Sn > \"$0\"", saved, rules}
	opts.Outputs = []string{saved}
	opts.Stdout, opts.Stderr = &out, &errOut
	res, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if want := "/\n1\n1\n0\n"; out.String() != want {
		t.Errorf("exit %d, stdout %q, stderr %q; want the guest's /, a wrr service, ip_vs_wrr loaded and no 9p (%q)", res.ExitCode, out.String(), errOut.String(), want)
	}
	if got, err := os.ReadFile(saved); err != nil || !strings.Contains(string(got), "-A -t 10.0.0.1:80 -s wrr") || !strings.Contains(string(got), "-A -t 10.0.0.2:80 -s sh") {
		t.Errorf("the output the command wrote in the guest, back on the host, with the rules it read from the host: %q, %v", got, err)
	}
}

// Where the host holds no userland tree (Windows), commands are looked up in its image, links and all.
func TestJobLooksUpCommandsInTheUserlandsImage(t *testing.T) {
	disk := filepath.Join(t.TempDir(), "root.erofs")
	err := erofsimage.Write(disk, ".tmp-", func(w *erofs.Writer) error {
		f, err := w.Create("/usr/sbin/ipvsadm")
		if err != nil {
			return err
		}
		f.Write([]byte("x"))
		return errors.Join(f.Close(), w.Symlink("usr/sbin", "/sbin"))
	})
	if err != nil {
		t.Fatal(err)
	}
	view, done, err := userlandView(filepath.Join(t.TempDir(), "no-tree"), disk)
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	env := []string{"PATH=/usr/local/bin:/usr/sbin"}
	if got, err := lookPath("ipvsadm", `C:\Users\u`, env, view); err != nil || got != "/usr/sbin/ipvsadm" {
		t.Errorf("ipvsadm in the image: %q, %v", got, err)
	}
	if got, err := lookPath("/sbin/ipvsadm", "/", env, view); err != nil || got != "/sbin/ipvsadm" {
		t.Errorf("/sbin/ipvsadm through the image's link: %q, %v", got, err)
	}
	if _, err := lookPath("/usr/sbin/tc", "/", env, view); err == nil || !strings.Contains(err.Error(), "has no /usr/sbin/tc") {
		t.Errorf("a program the image lacks: %v", err)
	}
	if !inUserland(view, "/sbin/ipvsadm") || inUserland(view, "/usr/bin/go") || inUserland(nil, "/sbin/ipvsadm") {
		t.Error("inUserland does not tell the image's files from others")
	}
}
