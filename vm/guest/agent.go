//go:build linux

package guest

import (
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/lvslab/lvslab/vm/proto"
)

// serve is /init's work in a machine that outlives its command: bring up the network qemu forwards to,
// say ready on the control channel, and run each command that comes with the machine's secret. Until the
// host detaches, losing the control channel (the booting lvslab died) powers the machine off.
func (g *guest) serve() error {
	secret, err := hex.DecodeString(g.job.Secret)
	if err != nil || len(secret) != proto.AgentSecretLen {
		return fmt.Errorf("agent: the job's secret is not %d hex bytes", proto.AgentSecretLen)
	}
	if err := g.forgetSecret(); err != nil {
		return err
	}
	if err := upGuestNetwork(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", proto.AgentGuestAddr)
	if err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	go reapChildren()
	g.mark("agent ready")
	if err := g.sendTimings(); err != nil {
		return err
	}
	if err := g.fw.Send(proto.FrameReady); err != nil {
		return err
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			return fmt.Errorf("agent: %w", err)
		}
		go (&agentSession{conn: c, secret: secret, self: g.job.Self != "", userland: g.job.Userland, labNamespace: g.labNamespace}).run()
	}
}

// forgetSecret rewrites the job file without the secret: commands run as root in the machine, and could
// read the file through /proc/1/root. The file stays, for InGuest.
func (g *guest) forgetSecret() error {
	j := g.job
	j.Secret = ""
	data, err := json.Marshal(j)
	if err == nil {
		err = os.WriteFile(proto.JobPath, data, 0o600)
	}
	if err != nil {
		return fmt.Errorf("agent: rewriting %s without the secret: %w", proto.JobPath, err)
	}
	return nil
}

// watchControl reads the control channel: a detach lets the machine live on its own; its end before
// that means the host that booted the machine is gone, and so must the machine be.
func (g *guest) watchControl() {
	for {
		f, err := proto.ReadFrame(g.ch, proto.FromBootingHost)
		if err != nil {
			fmt.Println("lvslab: guest agent: the host that booted this machine is gone; powering off")
			powerOff()
		}
		if f.Type == proto.FrameDetach {
			return // from now on the channel may close: nobody needs it
		}
	}
}

// upGuestNetwork gives eth0 the address qemu's user network expects and brings it up.
func upGuestNetwork() error {
	link, err := netlink.LinkByName("eth0")
	if err != nil {
		return fmt.Errorf("agent: the guest's network card: %w", err)
	}
	addr, _ := netlink.ParseAddr("10.0.2.15/24")
	addr.Flags = unix.IFA_F_NODAD
	if err := netlink.AddrAdd(link, addr); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("agent: %w", err)
	}
	return netlink.LinkSetUp(link)
}

// agentSession is one command: its connection, and the process that runs it.
type agentSession struct {
	conn   net.Conn
	secret []byte
	self   bool // the binary that booted the machine is on every command's PATH (Options.Self)
	// userland: the command's root is a userland, which shows a host folder a command runs in when
	// first asked (showHostFolder)
	userland bool
	// labNamespace finds the namespace of a lab's host, for a request to run a command there.
	labNamespace LabNamespace
	fw           *proto.FrameWriter
	pid          int
	pty          *os.File       // the terminal's master side, when the command has one
	stdin        io.WriteCloser // the command's stdin: its pipe, or the master side
	input        *stdinPump     // what the client sent for stdin, until the command reads it
	outputs      sync.WaitGroup // copying the command's output to the client
}

func (s *agentSession) run() {
	defer s.conn.Close()
	s.fw = proto.NewFrameWriter(s.conn)
	req, err := s.handshake()
	if err != nil {
		s.fw.SendError(err)
		return
	}
	if req.PowerOff {
		s.fw.SendExit(0)
		s.conn.Close()
		powerOff()
	}
	code, err := s.execute(req)
	if err != nil {
		s.fw.SendError(err)
		return
	}
	s.fw.SendExit(code)
}

// handshake checks the secret and reads the request, within a few seconds.
func (s *agentSession) handshake() (*proto.ExecRequest, error) {
	s.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer s.conn.SetReadDeadline(time.Time{})
	got := make([]byte, proto.AgentSecretLen)
	if _, err := io.ReadFull(s.conn, got); err != nil || subtle.ConstantTimeCompare(got, s.secret) != 1 {
		return nil, errors.New("agent: this is not the machine's secret")
	}
	f, err := proto.ReadFrame(s.conn, proto.ToAgentRequest)
	if err != nil {
		return nil, fmt.Errorf("agent: expected a request: %w", err)
	}
	var req proto.ExecRequest
	if err := json.Unmarshal(f.Payload, &req); err != nil {
		return nil, fmt.Errorf("agent: the request: %w", err)
	}
	if !req.PowerOff && len(req.Argv) == 0 {
		return nil, errors.New("agent: a request needs a command")
	}
	return &req, nil
}

// execute runs the command in the guest's root and streams it both ways until it exits. A client that
// goes away takes its command with it.
func (s *agentSession) execute(req *proto.ExecRequest) (int, error) {
	dir := req.Dir
	if dir == "" {
		dir = "/"
	}
	if s.userland {
		req.Env = proto.WithUserlandPath(req.Env)
	}
	if s.self {
		req.Env = proto.PrependPath(req.Env, proto.SelfDir)
	}
	if s.userland {
		if err := showHostFolders(dir, req.Argv); err != nil {
			return 0, err
		}
	}
	if err := commandDir(dir); err != nil {
		return 0, err
	}
	argv0, err := guestLookPath(req.Argv[0], dir, req.Env)
	if err != nil {
		return 0, err
	}
	exited, err := s.start(argv0, req, dir)
	if err != nil {
		return 0, err
	}
	s.input = newStdinPump()
	defer s.input.stop()
	go s.input.run(s.stdin, s.pty == nil, func(n uint32) error { return s.fw.SendUint32(proto.FrameCredit, n) })
	clientGone := make(chan struct{})
	go func() {
		s.readInput()
		close(clientGone)
	}()
	var code int
	select {
	case code = <-exited:
	case <-clientGone:
		code = hangUp(s.pid, exited)
	}
	if s.pty == nil {
		s.stdin.Close() // ends a write the command will never read; a terminal's closes below
	}
	// A daemon the command started may hold its output open for ever: give the streams a moment.
	drained := make(chan struct{})
	go func() {
		s.outputs.Wait()
		close(drained)
	}()
	select {
	case <-drained:
	case <-time.After(2 * time.Second):
	}
	if s.pty != nil {
		s.pty.Close()
	}
	return code, nil
}

// start starts the command, in a session of its own (its own process group, and its terminal when it
// asks for one), and the copying of its output.
func (s *agentSession) start(argv0 string, req *proto.ExecRequest, dir string) (<-chan int, error) {
	attr := &os.ProcAttr{Dir: dir, Env: req.Env, Sys: &syscall.SysProcAttr{Chroot: proto.NewRoot, Setsid: true}}
	if req.Lab != "" {
		attr.Sys.Chroot = "" // startInLab forks from a thread already there
	}
	var closeAfter []*os.File
	if req.TTY {
		master, slave, err := openPTY(req.Rows, req.Cols)
		if err != nil {
			return nil, err
		}
		s.pty, s.stdin = master, master
		attr.Files = []*os.File{slave, slave, slave}
		attr.Sys.Setctty, attr.Sys.Ctty = true, 0
		closeAfter = append(closeAfter, slave)
		s.copyOutput(proto.FrameStdout, master)
	} else {
		inR, inW, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		outR, outW, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		errR, errW, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		s.stdin = inW
		attr.Files = []*os.File{inR, outW, errW}
		closeAfter = append(closeAfter, inR, outW, errW)
		s.copyOutput(proto.FrameStdout, outR)
		s.copyOutput(proto.FrameStderr, errR)
	}
	var pid int
	var exited <-chan int
	startIt := func() (err error) {
		if pid, exited, err = startReaped(argv0, req.Argv, attr); err != nil {
			return fmt.Errorf("starting %s in %s: %w", argv0, dir, err)
		}
		return nil
	}
	var err error
	if req.Lab != "" {
		err = startInLab(req, s.labNamespace, startIt)
	} else {
		err = startIt()
	}
	for _, f := range closeAfter {
		f.Close()
	}
	if err != nil {
		return nil, err
	}
	s.pid = pid
	return exited, nil
}

func (s *agentSession) copyOutput(typ byte, r *os.File) {
	s.outputs.Add(1)
	go func() {
		defer s.outputs.Done()
		defer r.Close()
		io.CopyBuffer(proto.StreamWriter{FW: s.fw, Type: typ}, r, make([]byte, 32<<10))
	}()
}

// readInput applies what the client sends until it goes away or breaks the protocol: stdin (queued, never
// waited on), its end, window sizes, signals.
func (s *agentSession) readInput() {
	for {
		f, err := proto.ReadFrame(s.conn, proto.ToAgentInput)
		if err != nil {
			return
		}
		switch f.Type {
		case proto.FrameStdin:
			if s.input.push(f.Payload) != nil {
				return
			}
		case proto.FrameStdinEOF:
			s.input.end()
		case proto.FrameResize:
			if s.pty != nil && len(f.Payload) == 4 {
				setWinsize(s.pty, binary.BigEndian.Uint16(f.Payload), binary.BigEndian.Uint16(f.Payload[2:]))
			}
		case proto.FrameSignal:
			if len(f.Payload) == 4 {
				if sig := syscall.Signal(int32(binary.BigEndian.Uint32(f.Payload))); sig > 0 && sig < 65 {
					signalGroup(s.pid, sig)
				}
			}
		}
	}
}

// openPTY opens a pseudo-terminal of the command's root's devpts instance, of rows × cols.
func openPTY(rows, cols uint16) (master, slave *os.File, err error) {
	pts := filepath.Join(proto.NewRoot, "dev/pts")
	m, err := os.OpenFile(filepath.Join(pts, "ptmx"), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("opening a terminal: %w", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		return nil, nil, fmt.Errorf("unlocking a terminal: %w", err)
	}
	n, err := unix.IoctlGetUint32(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		m.Close()
		return nil, nil, fmt.Errorf("naming a terminal: %w", err)
	}
	sl, err := os.OpenFile(filepath.Join(pts, strconv.Itoa(int(n))), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		return nil, nil, fmt.Errorf("opening a terminal: %w", err)
	}
	if rows > 0 && cols > 0 {
		setWinsize(m, rows, cols)
	}
	return m, sl, nil
}

func setWinsize(f *os.File, rows, cols uint16) {
	unix.IoctlSetWinsize(int(f.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols})
}

// commandDir checks that dir, where a command runs, is a folder of the command's root. Only the folder the
// machine was booted to share (Options.Share) is the host's, writable; elsewhere what a command writes stays
// in the machine.
func commandDir(dir string) error {
	if !filepath.IsAbs(dir) || filepath.Clean(dir) != dir {
		return fmt.Errorf("agent: folder %q: expected an absolute, clean path", dir)
	}
	if st, err := os.Stat(filepath.Join(proto.NewRoot, dir)); err != nil || !st.IsDir() {
		return fmt.Errorf("agent: %s is not a folder in the machine", dir)
	}
	return nil
}

// hangUp ends a command whose client went away, as a terminal's hang-up would: SIGHUP to its group, then
// SIGKILL for what is left after a grace period. It returns the command's exit status.
func hangUp(pid int, exited <-chan int) int {
	signalGroup(pid, syscall.SIGHUP)
	grace := time.NewTimer(hangUpGrace)
	defer grace.Stop()
	select {
	case code := <-exited:
		return code // its pid, reaped, may name another command's group by now
	case <-grace.C:
		signalGroup(pid, syscall.SIGKILL)
		return <-exited
	}
}

// hangUpGrace is how long a command whose client went away has to finish after SIGHUP.
const hangUpGrace = 2 * time.Second

// guestLookPath finds a command as a shell in the command's root would.
func guestLookPath(name, dir string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	path := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	for _, kv := range env {
		if p, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = p
		}
	}
	for _, d := range filepath.SplitList(path) {
		if !filepath.IsAbs(d) {
			d = filepath.Join(dir, d)
		}
		if proto.IsExecutable(filepath.Join(proto.NewRoot, d, name)) {
			return filepath.Join(d, name), nil
		}
	}
	return "", fmt.Errorf("%s: command not found (PATH=%s)", name, path)
}

// The agent runs as pid 1, which reaps every process of the guest: its commands, whose exit statuses go
// to their sessions, and orphans. A command is started with the reaper's lock held, so its pid is known
// to the reaper before it can exit.
var reaper = struct {
	sync.Mutex
	waiting map[int]chan int
}{waiting: map[int]chan int{}}

func startReaped(argv0 string, argv []string, attr *os.ProcAttr) (int, <-chan int, error) {
	reaper.Lock()
	defer reaper.Unlock()
	p, err := os.StartProcess(argv0, argv, attr)
	if err != nil {
		return 0, nil, err
	}
	ch := make(chan int, 1)
	reaper.waiting[p.Pid] = ch
	pid := p.Pid
	p.Release()
	return pid, ch, nil
}

// signalGroup signals the process group a command leads (its session: it was started with Setsid); never
// pid 0 or 1, which would reach the agent itself.
func signalGroup(pid int, sig syscall.Signal) {
	if pid > 1 {
		syscall.Kill(-pid, sig)
	}
}

func reapChildren() {
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGCHLD)
	for range sigs {
		for {
			reaper.Lock()
			var ws unix.WaitStatus
			pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
			if pid > 0 {
				if ch, ok := reaper.waiting[pid]; ok {
					delete(reaper.waiting, pid)
					code := ws.ExitStatus()
					if ws.Signaled() {
						code = 128 + int(ws.Signal())
					}
					ch <- code
				}
			}
			reaper.Unlock()
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
