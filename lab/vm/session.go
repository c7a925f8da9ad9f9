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
	"time"
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
	helloAt  time.Time
}

func (s *session) run(ctx context.Context, m *machine) (*Result, error) {
	chanOurs, chanQemu, err := socketpair("guest channel")
	if err != nil {
		return nil, err
	}
	defer chanOurs.Close()
	conOurs, conQemu, err := socketpair("console")
	if err != nil {
		chanQemu.Close()
		return nil, err
	}
	defer conOurs.Close()
	cmd := exec.Command(m.qemu, qemuArgs(m.cfg)...)
	cmd.ExtraFiles = []*os.File{m.initrd, chanQemu, conQemu}
	if m.kernel != nil {
		cmd.ExtraFiles = append(cmd.ExtraFiles, m.kernel)
	}
	qemuOut := &limitedBuffer{max: 8 << 10}
	cmd.Stdout, cmd.Stderr = qemuOut, qemuOut
	start := time.Now()
	done, err := startSupervised(cmd)
	chanQemu.Close()
	conQemu.Close()
	if err != nil {
		return nil, err
	}

	consoleDone := make(chan struct{})
	go func() {
		w := io.Writer(&s.console)
		if s.opts.Console != nil {
			w = io.MultiWriter(&s.console, s.opts.Console)
		}
		io.Copy(w, conOurs)
		close(consoleDone)
	}()
	framesDone := make(chan struct{})
	lastFrame := make(chan struct{})
	go func() {
		s.readFrames(chanOurs, lastFrame)
		close(framesDone)
	}()

	var waitErr error
	var killedFor error
	select {
	case <-lastFrame:
	case <-framesDone:
	case waitErr = <-done:
		done = nil
	case <-ctx.Done():
		killedFor = ctx.Err()
	}
	if done != nil {
		waitErr = s.reap(cmd, done, killedFor != nil)
	}
	total := time.Since(start)
	// qemu is gone, so both streams end now; the deadline is for a qemu that left a child holding them.
	chanOurs.SetReadDeadline(time.Now().Add(2 * time.Second))
	conOurs.SetReadDeadline(time.Now().Add(2 * time.Second))
	<-framesDone
	<-consoleDone

	res := &Result{ExitCode: s.exitCode, Total: total}
	if at := s.console.initTime(); !at.IsZero() {
		res.BootToInit = at.Sub(start)
	} else if !s.helloAt.IsZero() {
		res.BootToInit = s.helloAt.Sub(start)
	}
	return s.verdict(res, m.cfg.name, killedFor, waitErr, qemuOut.String())
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
	cmd.Process.Kill()
	return <-done
}

// readFrames handles the guest's frames until the channel closes, closing last after the final frame.
func (s *session) readFrames(r io.Reader, last chan<- struct{}) {
	for {
		f, err := readFrame(r)
		if err != nil {
			if !errors.Is(err, io.EOF) && s.guestErr == "" && !s.exited {
				s.guestErr = "reading the guest channel: " + err.Error()
			}
			return
		}
		switch f.typ {
		case frameHello:
			s.helloAt = time.Now()
		case frameStdout:
			writeTo(s.opts.Stdout, f.payload)
		case frameStderr:
			writeTo(s.opts.Stderr, f.payload)
		case frameFile:
			s.saveFile(f.payload)
		case frameExit:
			if len(f.payload) != 4 {
				s.guestErr = fmt.Sprintf("exit frame of %d bytes, want 4: the channel is corrupt", len(f.payload))
			} else {
				s.exitCode, s.exited = int(int32(binary.BigEndian.Uint32(f.payload))), true
			}
			close(last)
			return
		case frameError:
			s.guestErr = string(f.payload)
			close(last)
			return
		}
	}
}

func (s *session) saveFile(payload []byte) {
	path, content, err := parseFile(payload)
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

func (s *session) verdict(res *Result, name string, killedFor, waitErr error, qemuOut string) (*Result, error) {
	tail := ""
	if s.opts.Console == nil {
		tail = s.console.String()
	}
	if qemuOut != "" {
		tail = "\nqemu said: " + strings.TrimSpace(qemuOut) + tail
	}
	switch {
	case killedFor != nil && !s.exited:
		why := fmt.Sprintf("the VM run hit its deadline (Options.Timeout %v)", s.opts.Timeout)
		if errors.Is(killedFor, context.Canceled) {
			why = "the VM run was canceled"
		}
		return nil, fmt.Errorf("%s after %v; killed qemu %s%s", why, res.Total.Round(time.Millisecond), name, tail)
	case s.guestErr != "":
		return nil, fmt.Errorf("the VM's init failed: %s%s", s.guestErr, tail)
	case !s.exited:
		return nil, fmt.Errorf("the VM stopped before the command finished (qemu: %v); the kernel may have panicked or failed to boot%s", exitStatus(waitErr), tail)
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

func exitStatus(err error) string {
	if err == nil {
		return "exited 0"
	}
	return err.Error()
}

// limitedBuffer keeps the first max bytes written to it: enough of qemu's own complaints.
type limitedBuffer struct {
	max int
	buf []byte
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - len(b.buf); room > 0 {
		b.buf = append(b.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string { return string(b.buf) }
