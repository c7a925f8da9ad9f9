package vm

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lvslab/lvslab/vm/proto"
)

// bootForTest boots a machine that serves, sharing share ("" for none), powered off when the test ends.
func bootForTest(t *testing.T, share string) *Machine {
	t.Helper()
	opts := needVM(t)
	opts.Self, opts.Share = "lvslab", share
	m, err := Boot(context.Background(), opts, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.PowerOff(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return m
}

// One machine, many commands: streams, exit status, a terminal, signals, a writable folder, power-off.
func TestBootServesCommandsUntilPowerOff(t *testing.T) {
	dir := t.TempDir()
	m := bootForTest(t, dir)
	t.Logf("machine %s: pid %d, port %d, %s", m.Name, m.PID, m.Port, m.Accel)
	ctx := context.Background()
	env := []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}

	var out, errOut bytes.Buffer
	code, err := m.Exec(ctx, proto.ExecRequest{Argv: []string{"sh", "-c", "cat; echo oops >&2; exit 3"}, Env: env},
		ExecIO{Stdin: strings.NewReader("hello\n"), Stdout: &out, Stderr: &errOut})
	if err != nil || code != 3 || out.String() != "hello\n" || errOut.String() != "oops\n" {
		t.Errorf("cat: exit %d %v, stdout %q, stderr %q; want 3, hello, oops", code, err, out.String(), errOut.String())
	}

	out.Reset()
	code, err = m.Exec(ctx, proto.ExecRequest{Argv: []string{"sh", "-c", "tty; stty size"}, Env: env, TTY: true, Rows: 30, Cols: 100},
		ExecIO{Stdout: &out})
	if err != nil || code != 0 || !strings.Contains(out.String(), "/dev/pts/") || !strings.Contains(out.String(), "30 100") {
		t.Errorf("under a terminal: exit %d %v, output %q", code, err, out.String())
	}

	sigs := make(chan syscall.Signal, 1)
	started := time.Now()
	go func() {
		time.AfterFunc(500*time.Millisecond, func() { sigs <- syscall.SIGTERM })
	}()
	code, err = m.Exec(ctx, proto.ExecRequest{Argv: []string{"sleep", "60"}, Env: env}, ExecIO{Signals: sigs})
	if err != nil || code != 128+int(syscall.SIGTERM) || time.Since(started) > 30*time.Second {
		t.Errorf("sleep 60 sent SIGTERM: exit %d %v after %v; want 143 at once", code, err, time.Since(started))
	}

	code, err = m.Exec(ctx, proto.ExecRequest{Argv: []string{"sh", "-c", "echo saved > rules.txt"}, Env: env, Dir: dir}, ExecIO{})
	if got, _ := os.ReadFile(filepath.Join(dir, "rules.txt")); err != nil || code != 0 || string(got) != "saved\n" {
		t.Errorf("writing in the shared folder: exit %d %v, the host's file holds %q", code, err, got)
	}
	other := t.TempDir()
	code, err = m.Exec(ctx, proto.ExecRequest{Argv: []string{"sh", "-c", "echo kept > rules.txt"}, Env: env, Dir: other}, ExecIO{})
	if _, serr := os.Stat(filepath.Join(other, "rules.txt")); err != nil || code != 0 || serr == nil {
		t.Errorf("writing in a folder the machine does not share: exit %d %v; the file reached the host: %v", code, err, serr == nil)
	}
	if _, err := os.Stat("/etc/lvslab-agent-test"); err == nil {
		t.Fatal("a file from an earlier run is in the host's /etc")
	}
	m.Exec(ctx, proto.ExecRequest{Argv: []string{"sh", "-c", "echo x > /etc/lvslab-agent-test"}, Env: env}, ExecIO{})
	if _, err := os.Stat("/etc/lvslab-agent-test"); err == nil {
		os.Remove("/etc/lvslab-agent-test")
		t.Error("a write outside the working folder reached the host's /etc")
	}

	out.Reset()
	code, err = m.Exec(ctx, proto.ExecRequest{Argv: []string{"lvslab", "--help"}, Env: env}, ExecIO{Stdout: &out})
	if err != nil || code != 0 {
		t.Errorf("lvslab in the machine: exit %d %v", code, err)
	}

	if err := m.PowerOff(ctx); err != nil {
		t.Fatal(err)
	}
	if m.Running() {
		t.Error("qemu still runs after PowerOff")
	}
	for _, f := range []string{m.Console, m.Log} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s is left after PowerOff", f)
		}
	}
}

// A wrong secret is refused.
func TestBootRefusesAStranger(t *testing.T) {
	m := bootForTest(t, "")
	stranger := *m
	stranger.Secret = strings.Repeat("00", proto.AgentSecretLen)
	_, err := stranger.Exec(context.Background(), proto.ExecRequest{Argv: []string{"true"}}, ExecIO{})
	if err == nil || !strings.Contains(err.Error(), "not the machine's secret") {
		t.Errorf("got %v, want the secret refused", err)
	}
}

// A machine booted as Windows boots it: no 9p share, qemu's console and channel over the loopback. It
// serves commands from its userland's disk, loads what they ask of the kernel from its modules' disk, and
// powers off.
func TestBootAsWindowsDoes(t *testing.T) {
	defer func(shares, loopback bool) { ninePShares, linksOverLoopback = shares, loopback }(ninePShares, linksOverLoopback)
	ninePShares, linksOverLoopback = false, true
	m := bootForTest(t, "")
	var out, errOut bytes.Buffer
	code, err := m.Exec(context.Background(), proto.ExecRequest{Argv: []string{"sh", "-c", "ipvsadm -A -t 10.0.0.1:80 -s sh && ipvsadm -Ln | grep -c ' sh$'; grep -cw 9p /proc/filesystems"},
		Env: []string{"PATH=/usr/sbin:/usr/bin"}, Dir: "/"}, ExecIO{Stdout: &out, Stderr: &errOut})
	if err != nil || out.String() != "1\n0\n" {
		t.Errorf("exit %d %v, stdout %q, stderr %q; want a sh service and no 9p", code, err, out.String(), errOut.String())
	}
}
