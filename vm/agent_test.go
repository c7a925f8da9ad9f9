package vm

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lvslab/lvslab/internal/wait"
	"github.com/lvslab/lvslab/vm/proto"
)

// rawAgent is a connection to the machine's agent past its secret, for a client that breaks the rules.
func rawAgent(t *testing.T, m *Machine) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(m.Port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	secret, _ := hex.DecodeString(m.Secret)
	if _, err := conn.Write(secret); err != nil {
		t.Fatal(err)
	}
	return conn
}

// serves checks that the machine still runs commands.
func serves(t *testing.T, m *Machine, after string) {
	t.Helper()
	var out bytes.Buffer
	code, err := m.Exec(context.Background(), proto.ExecRequest{Argv: []string{"echo", "alive"}, Env: testEnv}, ExecIO{Stdout: &out})
	if err != nil || code != 0 || out.String() != "alive\n" {
		t.Fatalf("after %s the machine no longer serves: exit %d, %v, %q", after, code, err, out.String())
	}
}

// endless is stdin that never ends, as `yes |` gives.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'y'
	}
	return len(p), nil
}

var testEnv = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}

// What a probe found a careless or hostile client could do to a machine, each tried on one machine: it
// goes on serving, its commands stop when asked, and nothing of the host is writable but its shared folder.
func TestAgentHoldsAgainstHostileAndCarelessClients(t *testing.T) {
	m := bootForTest(t, "")
	ctx := context.Background()

	t.Run("a request claiming 1 GiB", func(t *testing.T) {
		conn := rawAgent(t, m)
		conn.Write(binary.BigEndian.AppendUint32([]byte{proto.FrameRequest}, 1<<30))
		f, err := proto.ReadFrame(conn, proto.FromAgent)
		if err != nil || f.Type != proto.FrameError || !strings.Contains(string(f.Payload), "expected at most") {
			t.Errorf("got %q %q %v, want the request refused", f.Type, f.Payload, err)
		}
		serves(t, m, "a request claiming 1 GiB")
	})

	t.Run("stdin claiming 1 GiB", func(t *testing.T) {
		conn := rawAgent(t, m)
		body, _ := json.Marshal(proto.ExecRequest{Argv: []string{"cat"}, Env: testEnv})
		(proto.NewFrameWriter(conn)).Send(proto.FrameRequest, body)
		conn.Write(binary.BigEndian.AppendUint32([]byte{proto.FrameStdin}, 1<<30))
		conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		for { // the agent hangs the command up and ends the connection
			f, err := proto.ReadFrame(conn, proto.FromAgent)
			if err != nil {
				if !errors.Is(err, io.EOF) {
					t.Errorf("the agent did not end the connection: %v", err)
				}
				break
			}
			if f.Type == proto.FrameExit {
				break
			}
		}
		serves(t, m, "stdin claiming 1 GiB")
	})

	t.Run("stdin beyond the window", func(t *testing.T) {
		conn := rawAgent(t, m)
		body, _ := json.Marshal(proto.ExecRequest{Argv: []string{"sleep", "60"}, Env: testEnv})
		fw := proto.NewFrameWriter(conn)
		fw.Send(proto.FrameRequest, body)
		chunk := make([]byte, proto.MaxChunk)
		conn.SetDeadline(time.Now().Add(30 * time.Second))
		var err error
		for i := 0; i < 2*proto.StdinWindow/proto.MaxChunk && err == nil; i++ {
			err = fw.Send(proto.FrameStdin, chunk)
		}
		for err == nil {
			var f proto.Frame
			if f, err = proto.ReadFrame(conn, proto.FromAgent); err == nil && f.Type == proto.FrameExit {
				break
			}
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Error("the agent took stdin it had not granted, and went on")
		}
		serves(t, m, "stdin beyond the window")
	})

	// The command reads a little of its stdin, says it started, and reads no more: the input piles up.
	fillThenSleep := []string{"sh", "-c", "head -c 1 >/dev/null; echo started; exec sleep 60"}

	t.Run("a signal while stdin is fed to a command that does not read it", func(t *testing.T) {
		sigs := make(chan syscall.Signal, 1)
		var sent time.Time
		out := onOutput("started", func() { sent = time.Now(); sigs <- syscall.SIGTERM })
		code, err := m.Exec(ctx, proto.ExecRequest{Argv: fillThenSleep, Env: testEnv}, ExecIO{Stdin: endless{}, Stdout: out, Signals: sigs})
		if err != nil || code != 128+int(syscall.SIGTERM) || sent.IsZero() || time.Since(sent) > 30*time.Second {
			t.Errorf("yes | sleep 60, then SIGTERM: exit %d %v, %v after the signal; want 143 at once", code, err, time.Since(sent))
		}
	})

	t.Run("the client gone while stdin is fed", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		m.Exec(cctx, proto.ExecRequest{Argv: fillThenSleep, Env: testEnv}, ExecIO{Stdin: endless{}, Stdout: onOutput("started", cancel)})
		err := wait.Until(ctx, 30*time.Second, func() (bool, string) { // hang-up, then SIGKILL after hangUpGrace
			code, err := m.Exec(ctx, proto.ExecRequest{Argv: []string{"pgrep", "-x", "sleep"}, Env: testEnv}, ExecIO{})
			return err == nil && code == 1, fmt.Sprintf("sleep still runs in the machine after its client went: pgrep exit %d, %v", code, err)
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("commands run from /dev, /run and /proc", func(t *testing.T) {
		for _, dir := range []string{"/dev", "/run", "/proc"} {
			if code, err := m.Exec(ctx, proto.ExecRequest{Argv: []string{"true"}, Env: testEnv, Dir: dir}, ExecIO{}); err != nil || code != 0 {
				t.Errorf("true in %s: exit %d, %v", dir, code, err)
			}
		}
		m.Exec(ctx, proto.ExecRequest{Argv: []string{"touch", "/run/lvslab-guest-marker"}, Env: testEnv}, ExecIO{})
		var out bytes.Buffer
		code, err := m.Exec(ctx, proto.ExecRequest{Argv: []string{"sh", "-c", "tty && test -e /run/lvslab-guest-marker"}, Env: testEnv, TTY: true, Rows: 24, Cols: 80}, ExecIO{Stdout: &out})
		if err != nil || code != 0 || !strings.Contains(out.String(), "/dev/pts/") {
			t.Errorf("a terminal, and the guest's own /run, after commands ran from /dev and /run: exit %d %v %q", code, err, out.String())
		}
		if _, err := os.Stat("/run/lvslab-guest-marker"); err == nil {
			os.Remove("/run/lvslab-guest-marker")
			t.Error("a write to the guest's /run reached the host's")
		}
	})

	t.Run("the host's root through /proc/1/root", func(t *testing.T) {
		name := "lvslab-escape-" + filepath.Base(t.TempDir())
		secretOnHost := filepath.Join("/run", name)
		if err := os.WriteFile(secretOnHost, []byte("a record's secret"), 0o600); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(secretOnHost)
		script := `for d in /proc/1/root /proc/1/root/*; do touch "$d/var/tmp/` + name + `" 2>/dev/null; cat "$d` + secretOnHost + `" 2>/dev/null; done; cat /proc/1/root/lvslab/job.json`
		var out bytes.Buffer
		m.Exec(ctx, proto.ExecRequest{Argv: []string{"sh", "-c", script}, Env: testEnv}, ExecIO{Stdout: &out})
		if _, err := os.Stat("/var/tmp/" + name); err == nil {
			os.Remove("/var/tmp/" + name)
			t.Error("a command wrote the host's /var/tmp through /proc/1/root")
		}
		if strings.Contains(out.String(), "a record's secret") {
			t.Error("a command read the host's /run (lvslab's records, with their secrets) through /proc/1/root")
		}
		if !strings.Contains(out.String(), `"serve":true`) || strings.Contains(out.String(), m.Secret) {
			t.Errorf("the job file through /proc/1/root: %q; want it there, without the machine's secret", out.String())
		}
	})
	serves(t, m, "all of it")
}

// onOutput is a command's stdout that calls then once, when what it writes holds want.
func onOutput(want string, then func()) io.Writer {
	return &watchWriter{want: want, then: then}
}

type watchWriter struct {
	seen bytes.Buffer
	want string
	then func()
	done bool
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.seen.Write(p)
	if !w.done && strings.Contains(w.seen.String(), w.want) {
		w.done = true
		w.then()
	}
	return len(p), nil
}
