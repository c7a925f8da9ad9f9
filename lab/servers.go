//go:build linux

package lab

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/lvslab/lvslab/internal/child"
	"github.com/lvslab/lvslab/internal/fds"
	"github.com/lvslab/lvslab/realserver"
	"github.com/lvslab/lvslab/topology"
)

// serverChild is the process that serves every real server of a lab (realserver.Main). It lives in the
// lab's switch namespace, so Down finds and stops it with the lab's other processes.
const serverChild = "lvslab-serve"

func init() { child.Register(serverChild, func() int { return realserver.Main(serverChild) }) }

// hostSockets are the sockets a host's servers answer on, opened inside the host's namespace and handed to
// the server process.
type hostSockets struct {
	http *os.File // the HTTP server's listening TCP socket, or nil
	udp  *os.File // the UDP echo server's bound socket, or nil
}

// Close closes this process's copies; the server process keeps its own.
func (s *hostSockets) Close() {
	for _, f := range []*os.File{s.http, s.udp} {
		if f != nil {
			f.Close()
		}
	}
}

// startServers starts the lab's server process inside the switch namespace, hands it each host's sockets
// (and, for a fault that stops and starts a server, where to open them again), and waits until it says it
// serves. It returns the process.
func startServers(ctx context.Context, dir, lab, switchNS string, sockets map[string]*hostSockets, t *topology.Topology) (*Process, error) {
	spec := realserver.Spec{Lab: lab}
	var files []*os.File
	for host, s := range sockets {
		h, ns := t.Host(host), netnsPath(NamespaceName(lab, host))
		if s.http != nil {
			spec.HTTP = append(spec.HTTP, realserver.HTTP{Host: host, Body: h.HTTP.Body, Port: h.HTTP.Port, Namespace: ns, FD: 3 + len(files),
				ThinkMin: int64(h.HTTP.Think.Min), ThinkMax: int64(h.HTTP.Think.Max), FailPercent: h.HTTP.Fail})
			files = append(files, s.http)
		}
		if s.udp != nil {
			spec.UDP = append(spec.UDP, realserver.UDP{Host: host, Port: h.UDP.Port, Namespace: ns, FD: 3 + len(files)})
			files = append(files, s.udp)
		}
	}
	control, err := listenUnix(controlPath(dir, lab))
	if err != nil {
		return nil, err
	}
	defer control.Close()
	spec.Control = 3 + len(files)
	files = append(files, control)

	logFile, err := os.OpenFile(logPath(dir, lab), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer stdinR.Close()
	defer stdinW.Close()
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer readyR.Close()
	defer readyW.Close()

	cmd := &exec.Cmd{
		Path:        "/proc/self/exe",
		Args:        []string{serverChild, lab},
		Stdin:       stdinR,
		Stdout:      readyW,
		Stderr:      logFile,
		ExtraFiles:  files,
		SysProcAttr: &syscall.SysProcAttr{Setsid: true}, // a Ctrl-C at the terminal that ran `up` must not reach it
	}
	fds.CloseOnExecInherited() // the servers outlive this command: they must hold nothing of its caller's
	if err := inNamespace(netnsPath(switchNS), cmd.Start); err != nil {
		return nil, fmt.Errorf("starting the servers: %w", err)
	}
	proc, err := processOf(cmd.Process.Pid)
	if err != nil {
		return nil, err
	}
	readyW.Close()
	if err := json.NewEncoder(stdinW).Encode(spec); err != nil {
		return proc, fmt.Errorf("starting the servers: %w", err)
	}
	stdinW.Close()
	deadline := time.Now().Add(10 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	readyR.SetReadDeadline(deadline)
	line, err := bufio.NewReader(readyR).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		return proc, fmt.Errorf("the server process (HTTP and UDP) did not start (%v); its log is %s", err, logPath(dir, lab))
	}
	return proc, nil
}

func listenUnix(path string) (*os.File, error) {
	os.Remove(path) // a socket file left by a lab that was killed; the state file has already claimed the name
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	ln.SetUnlinkOnClose(false) // the server process keeps serving it after we close our copy
	defer ln.Close()
	// Its faults stop servers: the owner's alone, whatever the umask.
	if err := os.Chmod(path, 0o600); err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	return ln.File()
}

// ServerStats asks the lab's server process what each real server has seen: connections accepted,
// requests answered and UDP datagrams answered, per host, since the lab came up.
func (l *Lab) ServerStats(ctx context.Context) (map[string]realserver.Stats, error) {
	stats, err := realserver.AskStats(ctx, controlPath(l.dir, l.Name))
	if err != nil {
		return nil, fmt.Errorf("asking lab %s's server process for its counts: %w", l.Name, err)
	}
	return stats, nil
}
