package vm

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lvslab/lvslab/internal/fds"
	"github.com/lvslab/lvslab/internal/supervise"
	"github.com/lvslab/lvslab/vm/proto"
)

// How long qemu gets to power off by itself once the guest has sent everything.
const exitGrace = 5 * time.Second

// session is one qemu process and the two streams it sends back.
type session struct {
	opts     *Options
	console  consoleTail
	exitCode int
	exited   bool     // the guest sent the command's exit code
	guestErr string   // the guest's /init failed with this
	written  []string // outputs copied back
	fileErr  error
	hello    chan struct{} // closed when the guest's /init first shows it runs
	helloAt  time.Time
	timings  []proto.Timing // the guest's phases
	linkMu   sync.Mutex
	linkFail error // the channel's peer was not the guest (link.proveGuest)
}

// links makes the machine's channel and console, and has qemu's command line name them.
func (m *machine) links() (channel, console *link, err error) {
	if channel, err = newLink("guest channel", "channel", fdChannel, m.loopback); err != nil {
		return nil, nil, err
	}
	if console, err = newLink("console", "console", fdConsole, m.loopback); err != nil {
		channel.close()
		return nil, nil, err
	}
	m.cfg.channel, m.cfg.console = channel.chardev(), console.chardev()
	return channel, console, nil
}

// command is qemu's, with the files it inherits at the descriptors its command line names.
func (m *machine) command(channel, console *link) (*exec.Cmd, error) {
	chanQemu, err := channel.qemuFile()
	if err != nil {
		return nil, err
	}
	conQemu, err := console.qemuFile()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(m.qemu, qemuArgs(m.cfg)...)
	cmd.ExtraFiles = inherit(m.initrd, chanQemu, conQemu)
	if m.kernel != nil {
		cmd.ExtraFiles = append(cmd.ExtraFiles, inherit(m.kernel)...)
	}
	return cmd, nil
}

// readConsole takes the kernel console, once qemu has connected it, until it ends (done closed then).
func (s *session) readConsole(console *link, connectBy time.Time, qemuGone <-chan struct{}) (done chan struct{}) {
	done = make(chan struct{})
	go func() {
		defer close(done)
		con, err := console.accept(connectBy, qemuGone)
		if err != nil {
			return // qemu gone before it connected: the verdict says how it ended
		}
		w := io.Writer(&s.console)
		if s.opts.Console != nil {
			w = io.MultiWriter(&s.console, s.opts.Console)
		}
		io.Copy(w, con)
	}()
	return done
}

// readChannel handles the guest's frames, once qemu has connected its channel and the guest has shown
// the secret where it must (link.proveGuest): done closes when the channel ends, last after the final frame.
func (s *session) readChannel(channel *link, connectBy time.Time, qemuGone <-chan struct{}, secret []byte) (done, last chan struct{}) {
	done, last = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		ch, err := channel.accept(connectBy, qemuGone)
		if err == nil {
			err = channel.proveGuest(secret)
		}
		if err != nil {
			// qemu gone before it connected, or before the guest spoke: the verdict says how it ended. Any
			// other failure is the link's own (a peer that is not the guest).
			if !errors.Is(err, errLinkClosed) && !errors.Is(err, errGuestSilent) {
				s.linkErr(err)
			}
			return
		}
		s.readFrames(ch, ch, last)
	}()
	return done, last
}

func (s *session) linkErr(err error) {
	s.linkMu.Lock()
	defer s.linkMu.Unlock()
	s.linkFail = err
}

func (s *session) linkFailed() error {
	s.linkMu.Lock()
	defer s.linkMu.Unlock()
	return s.linkFail
}

// How a run ended before the guest finished, when it was lvslab that stopped it.
const (
	stoppedNot       = iota
	stoppedContext   // the run's deadline, or the caller canceled
	stoppedWatchdog  // the guest's /init did not start in time
	stoppedComplaint // qemu said the accelerator failed
)

func (s *session) run(ctx context.Context, m *machine) (*Result, error) {
	channel, console, err := m.links()
	if err != nil {
		return nil, err
	}
	defer channel.close()
	defer console.close()
	cmd, err := m.command(channel, console)
	if err != nil {
		return nil, err
	}
	qemuOut := newQemuLog(8 << 10)
	cmd.Stdout, cmd.Stderr = qemuOut, qemuOut
	inGroup(cmd)
	s.hello = make(chan struct{})
	if !m.loopback {
		// Over the loopback, anyone could connect the console first: only the proven channel's hello counts.
		s.console.initSeen = make(chan struct{})
	}
	fds.CloseOnExecInherited()
	start := time.Now()
	done, err := supervise.Start(cmd)
	channel.started()
	console.started()
	if err != nil {
		return nil, err
	}
	// Closed once qemu is gone: a link still waiting for qemu to connect stops waiting.
	qemuGone := make(chan struct{})
	goneOnce := sync.OnceFunc(func() { close(qemuGone) })
	defer goneOnce()
	bootTimeout := m.bootTimeout(s.opts)
	connectBy := start.Add(bootTimeout)
	consoleDone := s.readConsole(console, connectBy, qemuGone)
	framesDone, lastFrame := s.readChannel(channel, connectBy, qemuGone, m.linkSecret)

	watchdog := time.NewTimer(bootTimeout)
	defer watchdog.Stop()
	var waitErr, ctxErr error
	stopped, complaint := stoppedNot, ""
	hello, initSeen := s.hello, s.console.initSeen
wait:
	for {
		select {
		case <-hello:
			hello, initSeen = nil, nil
			watchdog.Stop()
		case <-initSeen:
			hello, initSeen = nil, nil
			watchdog.Stop()
		case <-lastFrame:
			break wait
		case <-framesDone:
			break wait
		case waitErr = <-done:
			done = nil
			break wait
		case <-ctx.Done():
			stopped, ctxErr = stoppedContext, ctx.Err()
			break wait
		case <-watchdog.C:
			stopped = stoppedWatchdog
			break wait
		case complaint = <-qemuOut.complained:
			stopped = stoppedComplaint
			break wait
		}
	}
	if done != nil {
		waitErr = s.reap(cmd, done, stopped != stoppedNot || s.linkFailed() != nil)
	}
	total := time.Since(start)
	goneOnce()
	// qemu is gone, so both streams end now; the deadline is for a qemu that left a child holding them.
	channel.unblock(time.Now().Add(2 * time.Second))
	console.unblock(time.Now().Add(2 * time.Second))
	<-framesDone
	<-consoleDone

	res := &Result{ExitCode: s.exitCode, Total: total, Accel: accelWord(m.cfg.hw), Timings: s.timings}
	if at := s.console.initTime(); !at.IsZero() {
		res.BootToInit = at.Sub(start)
	} else if !s.helloAt.IsZero() {
		res.BootToInit = s.helloAt.Sub(start)
	}
	out := end{stopped: stopped, ctxErr: ctxErr, complaint: complaint, waitErr: waitErr, bootTimeout: bootTimeout}
	return s.verdict(res, m, out, qemuOut.String())
}

// end is how the wait for qemu ended.
type end struct {
	stopped     int
	ctxErr      error
	complaint   string
	waitErr     error
	bootTimeout time.Duration
}

// started tells whether the guest's /init ran: after that, a failure is no longer the machine's.
func (s *session) started() bool {
	select {
	case <-s.hello:
		return true
	default:
		return !s.console.initTime().IsZero()
	}
}

// reap waits for qemu to power off, killing it at once (kill) or after exitGrace.
func (s *session) reap(cmd *exec.Cmd, done <-chan error, kill bool) error {
	if !kill {
		t := time.NewTimer(exitGrace)
		defer t.Stop()
		select {
		case err := <-done:
			return err
		case <-t.C:
		}
	}
	select {
	case err := <-done:
		return err // it exited by itself meanwhile; its group is empty or gone
	default:
	}
	// qemu is not reaped yet, so its pid, which names the group, is still its own.
	killGroup(cmd.Process.Pid)
	cmd.Process.Kill()
	return <-done
}

// readFrames handles the guest's frames until the channel closes, closing last after the final frame,
// whose receipt it sends back on w.
func (s *session) readFrames(r io.Reader, w io.Writer, last chan<- struct{}) {
	for {
		f, err := proto.ReadFrame(r, proto.FromRunGuest)
		if err != nil {
			if !errors.Is(err, io.EOF) && s.guestErr == "" && !s.exited {
				s.guestErr = "reading the guest channel: " + err.Error()
			}
			return
		}
		switch f.Type {
		case proto.FrameHello:
			if s.helloAt.IsZero() {
				s.helloAt = time.Now()
				close(s.hello)
			}
		case proto.FrameStdout:
			writeTo(s.opts.Stdout, f.Payload)
		case proto.FrameStderr:
			writeTo(s.opts.Stderr, f.Payload)
		case proto.FrameFile:
			s.saveFile(f.Payload)
		case proto.FrameTimings:
			s.timings, _ = proto.ParseTimings(f.Payload) // diagnostics: ones that break their bounds are dropped, not fatal
		case proto.FrameExit:
			if len(f.Payload) != 4 {
				s.guestErr = fmt.Sprintf("exit frame of %d bytes, want 4: the channel is corrupt", len(f.Payload))
			} else {
				s.exitCode, s.exited = int(int32(binary.BigEndian.Uint32(f.Payload))), true
			}
			(proto.NewFrameWriter(w)).Send(proto.FrameReceived)
			close(last)
			return
		case proto.FrameError:
			s.guestErr = string(f.Payload)
			(proto.NewFrameWriter(w)).Send(proto.FrameReceived)
			close(last)
			return
		}
	}
}

func (s *session) saveFile(payload []byte) {
	path, content, err := proto.ParseFile(payload)
	if host, ok := s.opts.outputsFrom[path]; ok && err == nil {
		path = host
	}
	if err == nil && !slices.Contains(s.opts.Outputs, path) {
		err = fmt.Errorf("the guest sent %s, which is not among Options.Outputs", path)
	}
	if err == nil {
		err = os.WriteFile(path, content, 0o644)
	}
	if err != nil {
		s.fileErr = errors.Join(s.fileErr, fmt.Errorf("output file: %w", err))
		return
	}
	s.written = append(s.written, path)
}

func writeTo(w io.Writer, p []byte) {
	if w != nil {
		w.Write(p)
	}
}

func (s *session) verdict(res *Result, m *machine, e end, qemuOut string) (*Result, error) {
	tail := ""
	if qemuOut != "" {
		tail = "\nqemu said: " + strings.TrimSpace(qemuOut)
	}
	if s.opts.Console == nil {
		tail += s.console.String()
	}
	accel := accelName(m.cfg.hw)
	switch {
	case e.stopped == stoppedComplaint:
		return nil, &bootError{
			accel: accel, accelFault: true, beforeInit: !s.started(), tail: tail,
			what: fmt.Sprintf("qemu reported that %s cannot run the VM, %v after it started: %q; killed qemu %s", accel, res.Total.Round(time.Millisecond), e.complaint, m.cfg.name),
		}
	case e.stopped == stoppedWatchdog:
		return nil, &bootError{
			accel: accel, beforeInit: true, stalled: true, tail: tail,
			what: fmt.Sprintf("the guest's /init did not start within %v under %s (%s); killed qemu %s", e.bootTimeout, accel, qemuState(qemuOut), m.cfg.name),
		}
	case e.stopped == stoppedContext && !s.exited:
		why := fmt.Sprintf("the VM run hit its deadline (Options.Timeout %v)", s.opts.Timeout)
		if errors.Is(e.ctxErr, context.Canceled) {
			why = "the VM run was canceled"
		}
		return nil, fmt.Errorf("%s after %v; killed qemu %s%s", why, res.Total.Round(time.Millisecond), m.cfg.name, tail)
	case s.linkFailed() != nil:
		return nil, fmt.Errorf("%w; killed qemu %s%s", s.linkFailed(), m.cfg.name, tail)
	case s.guestErr != "":
		return nil, fmt.Errorf("the VM's init failed: %s%s", s.guestErr, tail)
	case !s.exited && !s.started():
		return nil, &bootError{
			accel: accel, beforeInit: true, reset: e.waitErr == nil, tail: tail,
			what: fmt.Sprintf("qemu exited (%s) %v after it started, before the guest's /init ran, under %s", exitStatus(e.waitErr), res.Total.Round(time.Millisecond), accel),
		}
	case !s.exited:
		return nil, fmt.Errorf("the VM stopped before the command finished (qemu: %v); the kernel may have panicked%s", exitStatus(e.waitErr), tail)
	case s.fileErr != nil:
		return res, s.fileErr
	}
	if res.ExitCode == 0 {
		for _, o := range s.opts.Outputs {
			if !slices.Contains(s.written, o) {
				return res, fmt.Errorf("output %s: the command exited 0 but did not write it in the VM", o)
			}
		}
	}
	return res, nil
}

func qemuState(qemuOut string) string {
	if strings.TrimSpace(qemuOut) == "" {
		return "qemu still running, silent"
	}
	return "qemu still running"
}

func exitStatus(err error) string {
	if err == nil {
		return "exited 0"
	}
	return err.Error()
}
