package vm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/lvslab/lvslab/internal/fds"
	"github.com/lvslab/lvslab/internal/proc"
	"github.com/lvslab/lvslab/internal/wait"
	"github.com/lvslab/lvslab/vm/proto"
)

// Machine is a microVM that outlives the command that booted it: a qemu process of its own, serving
// commands through its agent until it is powered off. It is plain data, to be recorded in a state file and
// checked again before it is acted on.
type Machine struct {
	Name      string `json:"name"`       // qemu's -name, in its command line
	PID       int    `json:"pid"`        // qemu's
	StartTime uint64 `json:"start_time"` // qemu's, in clock ticks since boot: tells it from a reused pid
	Port      int    `json:"port"`       // on 127.0.0.1, forwarded to the agent
	Secret    string `json:"secret"`     // hex; whoever has it runs commands as root in the machine
	Kernel    string `json:"kernel"`     // the guest kernel's release
	Accel     string `json:"accel"`      // kvm or tcg
	Console   string `json:"console"`    // the file that takes the guest's console
	Log       string `json:"log"`        // the file that takes qemu's own output
}

// bootReadyTimeout bounds the wait from the guest's /init to its agent serving: modules over 9p.
const bootReadyTimeout = 2 * time.Minute

// Boot starts a machine that serves commands (see Exec) and lives on when this process ends, and returns
// once its agent serves. Its console and qemu's output go to files named after it in logDir. If this
// process dies before Boot returns, the machine powers itself off. opts.Argv is not used.
//
// opts.OnStart learns of the machine as soon as its qemu runs, before anything lets it outlive this
// process: whoever records machines records it there, so that no machine ever runs unrecorded.
func Boot(ctx context.Context, opts Options, logDir string) (*Machine, error) {
	opts.setDefaults()
	secret := make([]byte, proto.AgentSecretLen)
	rand.Read(secret)
	opts.secret = hex.EncodeToString(secret)
	opts.Modules = append(opts.Modules, "virtio_net")
	if strings.ContainsAny(logDir, ",\n") || !filepath.IsAbs(logDir) {
		return nil, fmt.Errorf("machine log directory %q: expected an absolute path without commas", logDir)
	}
	if err := opts.checkShare(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	plan, b, err := planAndPrepare(ctx, &opts)
	if err != nil {
		return nil, err
	}
	defer b.close()
	boot := func() (*Machine, error) { return bootDetached(ctx, b, &opts, logDir, b.booted.Version) }
	m, err := againIfStalled(&opts, boot)
	var be *bootError
	if errors.As(err, &be) && plan.fallBackToTCG(be, &opts, b) {
		m, err = againIfStalled(&opts, boot)
	}
	return m, err
}

// bootDetached runs one qemu for Boot: in a session of its own, its output in files, so that it outlives
// this process; the control channel is the one thread to this process, and is let go once the agent serves.
func bootDetached(ctx context.Context, b *machine, opts *Options, logDir, kernel string) (*Machine, error) {
	cfg := b.cfg
	cfg.consoleLog = filepath.Join(logDir, cfg.name+".console")
	qemuLogPath := filepath.Join(logDir, cfg.name+".qemu")
	port, err := freeLoopbackPort()
	if err != nil {
		return nil, err
	}
	cfg.agentPort = port
	channel, err := newLink("control channel", "channel", fdChannel, b.loopback)
	if err != nil {
		return nil, err
	}
	defer channel.close()
	cfg.channel = channel.chardev()
	chanQemu, err := channel.qemuFile()
	if err != nil {
		return nil, err
	}
	qemuLog, err := os.OpenFile(qemuLogPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	cleanup := func() { os.Remove(cfg.consoleLog); os.Remove(qemuLogPath) }
	// The console socket qemuArgs would otherwise expect is unused: fd 5 is a placeholder.
	placeholder, err := os.Open(os.DevNull)
	if err != nil {
		qemuLog.Close()
		return nil, err
	}
	cmd := exec.Command(b.qemu, qemuArgs(cfg)...)
	cmd.ExtraFiles = inherit(b.initrd, chanQemu, placeholder)
	if b.kernel != nil {
		cmd.ExtraFiles = append(cmd.ExtraFiles, inherit(b.kernel)...)
	}
	cmd.Stdout, cmd.Stderr = qemuLog, qemuLog
	detach(cmd)
	fds.CloseOnExecInherited()
	start := time.Now()
	err = cmd.Start()
	channel.started()
	qemuLog.Close()
	placeholder.Close()
	if err != nil {
		cleanup()
		return nil, fmt.Errorf("starting %s: %w", b.qemu, err)
	}
	exited := make(chan error, 1)
	qemuGone := make(chan struct{})
	go func() {
		exited <- cmd.Wait()
		close(qemuGone)
	}()
	m := &Machine{Name: cfg.name, PID: cmd.Process.Pid, Port: port, Secret: opts.secret, Kernel: kernel,
		Accel: accelWord(cfg.hw), Console: cfg.consoleLog, Log: qemuLogPath}
	_, m.StartTime, err = proc.Stat(m.PID)
	if err == nil && opts.OnStart != nil {
		err = opts.OnStart(m)
	}
	ready, helloAt := false, time.Time{}
	var ch stream
	connect := func() (stream, error) {
		c, err := channel.accept(start.Add(b.bootTimeout(opts)), qemuGone)
		if err == nil {
			err = channel.proveGuest(b.linkSecret)
		}
		return c, err
	}
	if err == nil {
		ch, ready, helloAt, err = awaitReady(ctx, connect, exited, cfg, qemuLogPath, opts)
	}
	if err != nil || !ready {
		cmd.Process.Kill()
		<-qemuGone // awaitReady may have taken exited's one value
		tail := readTail(qemuLogPath, cfg.consoleLog)
		cleanup()
		var be *bootError
		if errors.As(err, &be) {
			be.tail = tail
			return nil, be
		}
		return nil, fmt.Errorf("%w%s", err, tail)
	}
	if err := (proto.NewFrameWriter(ch)).Send(proto.FrameDetach); err != nil {
		cmd.Process.Kill()
		<-qemuGone // awaitReady may have taken exited's one value
		cleanup()
		return nil, fmt.Errorf("letting the machine go: %w", err)
	}
	opts.notice("microVM: booted, its /init answering after %.1f s", helloAt.Sub(start).Seconds())
	return m, nil // its exit is this process's to reap while it lives (the goroutine above), init's after
}

// awaitReady reads the control channel, once connect has it and has seen the guest on it, until the agent
// says ready (and returns the channel): hello within the boot watchdog's deadline, then ready. qemu's
// complaints about its accelerator, in its log, end the wait at once.
func awaitReady(ctx context.Context, connect func() (stream, error), exited <-chan error, cfg qemuConfig, qemuLogPath string, opts *Options) (stream, bool, time.Time, error) {
	frames := make(chan proto.Frame, 4)
	readErr := make(chan error, 1)
	var ch stream // set before the first frame is sent on, so read after one
	go func() {
		var err error
		if ch, err = connect(); err != nil {
			readErr <- err
			return
		}
		for {
			f, err := proto.ReadFrame(ch, proto.FromBootingGuest)
			if err != nil {
				readErr <- err
				return
			}
			frames <- f
		}
	}()
	m := &machine{cfg: cfg}
	watchdog := time.NewTimer(m.bootTimeout(opts))
	defer watchdog.Stop()
	readyBy := time.NewTimer(bootReadyTimeout)
	defer readyBy.Stop()
	complaints := time.NewTicker(50 * time.Millisecond)
	defer complaints.Stop()
	accel := accelName(cfg.hw)
	var helloAt time.Time
	for {
		select {
		case f := <-frames:
			switch f.Type {
			case proto.FrameHello:
				helloAt = time.Now()
				watchdog.Stop()
			case proto.FrameReady:
				return ch, true, helloAt, nil
			case proto.FrameError:
				return nil, false, helloAt, fmt.Errorf("the VM's init failed: %s", f.Payload)
			}
		case err := <-readErr:
			return nil, false, helloAt, &bootError{accel: accel, beforeInit: helloAt.IsZero(),
				what: fmt.Sprintf("the machine's control channel closed (%v) before its agent served, under %s", err, accel)}
		case err := <-exited:
			return nil, false, helloAt, &bootError{accel: accel, beforeInit: helloAt.IsZero(), reset: err == nil && helloAt.IsZero(),
				what: fmt.Sprintf("qemu exited (%s) before the machine's agent served, under %s", exitStatus(err), accel)}
		case <-watchdog.C:
			return nil, false, helloAt, &bootError{accel: accel, beforeInit: true, stalled: true,
				what: fmt.Sprintf("the guest's /init did not start within %v under %s", m.bootTimeout(opts), accel)}
		case <-readyBy.C:
			return nil, false, helloAt, fmt.Errorf("the machine's agent did not serve within %v of its /init", bootReadyTimeout)
		case <-ctx.Done():
			return nil, false, helloAt, fmt.Errorf("booting the machine: %w", ctx.Err())
		case <-complaints.C:
			l := newQemuLog(8 << 10)
			if data, err := os.ReadFile(qemuLogPath); err == nil {
				l.Write(data)
			}
			select {
			case line := <-l.complained:
				return nil, false, helloAt, &bootError{accel: accel, accelFault: true, beforeInit: helloAt.IsZero(),
					what: fmt.Sprintf("qemu reported that %s cannot run the VM: %q", accel, line)}
			default:
			}
		}
	}
}

// readTail is what qemu and the console said, for an error.
func readTail(qemuLog, console string) string {
	var b strings.Builder
	if data, err := os.ReadFile(qemuLog); err == nil && len(data) > 0 {
		b.WriteString("\nqemu said: " + strings.TrimSpace(string(lastBytes(data, 4<<10))))
	}
	var ct consoleTail
	if data, err := os.ReadFile(console); err == nil {
		ct.Write(lastBytes(data, 16<<10))
	}
	b.WriteString(ct.String())
	return b.String()
}

func lastBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// freeLoopbackPort is a port on 127.0.0.1 that nothing listens on now.
func freeLoopbackPort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port for the machine's agent: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Running tells whether the machine's qemu still runs: the recorded pid, started when recorded, with the
// machine's name in its command line.
func (m *Machine) Running() bool {
	if !proc.Running(m.PID, m.StartTime) {
		return false
	}
	cmdline, err := proc.Cmdline(m.PID)
	return err == nil && strings.Contains(string(cmdline), "\x00"+m.Name+"\x00")
}

// PowerOff asks the machine to power off and waits until its qemu is gone; one that does not go within
// the deadline is killed, once it is proven to be the machine's. Its log files are removed.
func (m *Machine) PowerOff(ctx context.Context) error {
	defer os.Remove(m.Console)
	defer os.Remove(m.Log)
	if !m.Running() {
		return nil
	}
	askCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	m.Exec(askCtx, proto.ExecRequest{PowerOff: true}, ExecIO{})
	cancel()
	if err := wait.Until(ctx, 10*time.Second, m.gone); err == nil || ctx.Err() != nil {
		return ctx.Err()
	}
	return m.Kill(ctx)
}

// Kill stops the machine's qemu at once, once it is proven to be the machine's, and waits until it is
// gone: for a machine still booting, with nothing in it to save. Its log files are removed.
func (m *Machine) Kill(ctx context.Context) error {
	defer os.Remove(m.Console)
	defer os.Remove(m.Log)
	if !m.Running() {
		return nil
	}
	if err := proc.Kill(m.PID, m.StartTime); err != nil { // proven the machine's by Running, just now
		return fmt.Errorf("stopping qemu %d of machine %s: %w", m.PID, m.Name, err)
	}
	return wait.Until(ctx, 5*time.Second, m.gone)
}

func (m *Machine) gone() (bool, string) { return !m.Running(), "qemu " + m.Name + " still runs" }

// KillStrays kills what Boot started for the machine named name, logging to logDir, that no Machine
// names: a qemu whose Boot was killed between starting it and OnStart. Its command line holds the
// machine's name, random per machine, and its console in logDir: that proves it the machine's.
func KillStrays(ctx context.Context, name, logDir string) error {
	type stray struct {
		pid   int
		start uint64
	}
	strays := func() []stray {
		var found []stray
		all, _ := proc.PIDs()
		for _, pid := range all {
			state, start, err := proc.Stat(pid) // before the proof: a later process given the pid differs
			if err != nil || state == 'Z' || state == 'X' {
				continue
			}
			cmdline, err := proc.Cmdline(pid)
			if err == nil && strings.Contains(string(cmdline), "\x00-name\x00"+name+"\x00") &&
				strings.Contains(string(cmdline), "path="+filepath.Join(logDir, name+".console")) {
				found = append(found, stray{pid, start})
			}
		}
		return found
	}
	for _, s := range strays() {
		if err := proc.Kill(s.pid, s.start); err != nil {
			return fmt.Errorf("stopping qemu %d of machine %s: %w", s.pid, name, err)
		}
	}
	return wait.Until(ctx, 5*time.Second, func() (bool, string) {
		return len(strays()) == 0, "a qemu of machine " + name + " still runs"
	})
}
