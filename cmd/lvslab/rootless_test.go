package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lvslab/lvslab/internal/needs"
)

// nobody is the ordinary user the test becomes.
const nobody = 65534

// An ordinary user, whose PATH holds qemu, lvslab and coreutils only (no apt, dpkg, ipvsadm, ab or curl),
// runs the NAT walkthrough in a microVM of their own: the kernel and the guest's programs come from
// Debian's archive into their own cache, their records live in their own folder, and nothing of theirs
// is left behind.
func TestOrdinaryUserNeedsOnlyQemuAndLvslab(t *testing.T) {
	needMicroVM(t) // root: the test becomes another user
	if testing.Short() {
		t.Skip("fetches a kernel and Debian's packages from the archive")
	}
	dir, err := os.MkdirTemp("", "lvslab-ordinary-user-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	home, bin := filepath.Join(dir, "home"), filepath.Join(dir, "bin")
	os.Mkdir(home, 0o700)
	os.Mkdir(bin, 0o755)
	if err := errors.Join(os.Chmod(dir, 0o755), os.Chown(home, nobody, nobody)); err != nil {
		t.Fatal(err)
	}
	needs.Lvslab(t, bin)
	qemu, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		t.Fatal(err)
	}
	os.Symlink(qemu, filepath.Join(bin, "qemu-system-x86_64"))
	for _, p := range []string{"cat", "ls", "env", "mkdir", "rm", "true"} {
		os.Symlink("/usr/bin/"+p, filepath.Join(bin, p))
	}
	run := func(want int, args ...string) string {
		t.Helper()
		cmd := exec.Command(filepath.Join(bin, "lvslab"), args...)
		cmd.Dir = home
		cmd.Env = []string{"PATH=" + bin, "HOME=" + home, "LANG=C.UTF-8"}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
		start := time.Now()
		out, err := cmd.CombinedOutput()
		code := 0
		if e, ok := err.(*exec.ExitError); ok {
			code = e.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		t.Logf("lvslab %s: exit %d in %.1f s", strings.Join(args, " "), code, time.Since(start).Seconds())
		if code != want {
			t.Fatalf("lvslab %s: exit %d, want %d\n%s", strings.Join(args, " "), code, want, out)
		}
		return string(out)
	}
	records := filepath.Join(os.TempDir(), "lvslab-65534")
	if _, err := os.Stat(records); err == nil {
		t.Fatalf("%s is there before the test: remove it", records)
	}
	t.Cleanup(func() {
		defer os.RemoveAll(records) // what a failed run left
		cmd := exec.Command(filepath.Join(bin, "lvslab"), "down", "--all")
		cmd.Dir, cmd.Env = home, []string{"PATH=" + bin, "HOME=" + home}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
		cmd.Run()
	})
	if out := run(0, "demo"); !strings.Contains(out, "PASS: rs1:rs2 = 7500:2500") {
		t.Errorf("demo:\n%s", out)
	}
	run(0, "up")
	if out := run(0, "exec", "client", "--", "ab", "-n", "2000", "-c", "50", "http://192.168.0.75/"); !strings.Contains(out, "Complete requests:      2000") || !strings.Contains(out, "Failed requests:        0") {
		t.Errorf("ab in the lab:\n%s", out)
	}
	if out := run(0, "exec", "director", "--", "ipvsadm", "-L", "-n", "--stats"); !strings.Contains(out, "192.168.0.75:80") {
		t.Errorf("ipvsadm in the lab:\n%s", out)
	}
	run(0, "down")
	run(0, "tutorial", "--check")
	if _, err := os.Stat(filepath.Join(home, ".local", "state", "lvslab")); err == nil {
		t.Errorf("the user's records folder is left after their last lab went down")
	}
	left, _ := exec.Command("find", "/tmp", "/run", "-user", "65534", "-not", "-path", dir+"*").Output()
	if s := strings.TrimSpace(string(left)); s != "" {
		t.Errorf("the user left behind:\n%s", s)
	}
}
