package vm

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/lvslab/lvslab/vm/proto"
)

// overLoopback has links go over the loopback, as on Windows, until the test ends.
func overLoopback(t *testing.T) {
	t.Helper()
	linksOverLoopback = true
	t.Cleanup(func() { linksOverLoopback = false })
}

// dialLink connects to a loopback link as qemu would, from its -chardev option.
func dialLink(t *testing.T, l *link) net.Conn {
	t.Helper()
	opt := l.chardev()
	port := ""
	for _, kv := range strings.Split(opt, ",") {
		if p, ok := strings.CutPrefix(kv, "port="); ok {
			port = p
		}
	}
	if !strings.Contains(opt, "host=127.0.0.1") || port == "" {
		t.Fatalf("chardev %q: expected a connection to 127.0.0.1 and a port", opt)
	}
	c, err := net.Dial("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestLinkOverLoopbackTrustsOnlyTheGuestWithTheSecret(t *testing.T) {
	secret := bytes.Repeat([]byte{7}, 32)
	for _, c := range []struct {
		name  string
		sends []byte
		ok    bool
	}{
		{"the guest", secret, true},
		{"another process", bytes.Repeat([]byte{8}, 32), false},
		{"one that says too little and hangs up", secret[:5], false}, // errGuestSilent: as a qemu gone early
	} {
		l, err := newLink("guest channel", "channel", fdChannel, true)
		if err != nil {
			t.Fatal(err)
		}
		qemu := dialLink(t, l)
		ours, err := l.accept(time.Now().Add(5*time.Second), nil)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		qemu.Write(c.sends)
		if !c.ok {
			qemu.(*net.TCPConn).CloseWrite()
		}
		err = l.proveGuest(secret)
		if (err == nil) != c.ok {
			t.Errorf("%s: proveGuest: %v, want ok %v", c.name, err, c.ok)
		}
		if err := l.proveGuest(nil); err == nil {
			t.Errorf("%s: proveGuest with no secret to check against passed", c.name)
		}
		if c.ok {
			qemu.Write([]byte("frames"))
			got := make([]byte, 6)
			if _, err := io.ReadFull(ours, got); err != nil || string(got) != "frames" {
				t.Errorf("%s: after the secret read %q, %v; want the frames that follow it", c.name, got, err)
			}
		}
		// The listener is gone once one connection is in: nobody gets in after qemu.
		if _, err := net.DialTimeout("tcp", l.ln.Addr().String(), time.Second); err == nil {
			t.Errorf("%s: a second connection to the link's listener was taken", c.name)
		}
		l.close()
	}
}

func TestLinkOverLoopbackStopsWaitingWhenQemuIsGone(t *testing.T) {
	l, err := newLink("console", "console", fdConsole, true)
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	gone := make(chan struct{})
	time.AfterFunc(50*time.Millisecond, func() { close(gone) })
	start := time.Now()
	_, err = l.accept(time.Now().Add(time.Minute), gone)
	if !errors.Is(err, errLinkClosed) || !strings.Contains(err.Error(), "qemu did not connect its console") {
		t.Errorf("accept with qemu gone: %v, want qemu did not connect its console", err)
	}
	if waited := time.Since(start); waited > 10*time.Second {
		t.Errorf("accept waited %v after qemu was gone", waited)
	}
}

func TestLinkOverSocketpairIsInheritedByDescriptor(t *testing.T) {
	l, err := newLink("guest channel", "channel", fdChannel, false)
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	if got, want := l.chardev(), "socket,id=channel,fd=4"; got != want {
		t.Errorf("chardev %q, want %q", got, want)
	}
	qemu, err := l.qemuFile()
	if err != nil || qemu == nil {
		t.Fatalf("qemu's end: %v, %v", qemu, err)
	}
	ours, err := l.accept(time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.proveGuest([]byte("unused")); err != nil {
		t.Errorf("proveGuest over a socketpair, which only qemu holds: %v", err)
	}
	qemu.Write([]byte("x"))
	got := make([]byte, 1)
	if _, err := io.ReadFull(ours, got); err != nil || got[0] != 'x' {
		t.Errorf("read %q, %v from our end", got, err)
	}
}

// A run and a machine that serves with every link over the loopback, as on Windows, in a real microVM:
// the console, the guest's frames and its exit status arrive as over descriptors.
func TestVMOverLoopback(t *testing.T) {
	opts := needVM(t)
	overLoopback(t)
	var out, console bytes.Buffer
	opts.Argv = []string{"/bin/sh", "-c", "echo over the loopback; exit 3"}
	opts.Stdout, opts.Console = &out, &console
	res, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 3 || out.String() != "over the loopback\n" || !strings.Contains(console.String(), proto.InitMarker) {
		t.Errorf("run: exit %d, stdout %q, console has the init marker: %v; want 3, the echo, true", res.ExitCode, out.String(), strings.Contains(console.String(), proto.InitMarker))
	}

	m := bootForTest(t, "")
	var got bytes.Buffer
	code, err := m.Exec(context.Background(), proto.ExecRequest{Argv: []string{"echo", "served"}, Env: []string{"PATH=/usr/bin:/bin"}}, ExecIO{Stdout: &got})
	if err != nil || code != 0 || got.String() != "served\n" {
		t.Errorf("a machine booted over the loopback: exit %d %v, stdout %q", code, err, got.String())
	}
}
