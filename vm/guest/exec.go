//go:build linux

package guest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/lvslab/lvslab/vm/proto"
)

// runCommand runs the job's command in the new root with its output streamed to the host, and returns its
// exit code. As pid 1 it also reaps the orphans the command leaves, so they do not linger as zombies.
func (g *guest) runCommand() (int, error) {
	null, err := os.Open("/dev/null")
	if err != nil {
		return 0, err
	}
	defer null.Close()
	outR, outW, err := os.Pipe()
	if err != nil {
		return 0, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		return 0, err
	}
	p, err := os.StartProcess(g.job.Argv[0], g.job.Argv, &os.ProcAttr{
		Dir:   g.job.Dir,
		Env:   g.job.Env,
		Files: []*os.File{null, outW, errW},
		Sys:   &syscall.SysProcAttr{Chroot: proto.NewRoot, Setsid: true},
	})
	g.mark("command started")
	outW.Close()
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		return 0, fmt.Errorf("starting %s in %s: %w", g.job.Argv[0], g.job.Dir, err)
	}
	copied := make(chan error, 2)
	go func() { copied <- g.copyStream(proto.FrameStdout, outR) }()
	go func() { copied <- g.copyStream(proto.FrameStderr, errR) }()

	code := reapUntil(p.Pid)
	// A daemon the command started may hold the pipes open for ever; give the streams a moment to drain.
	deadline := time.Now().Add(2 * time.Second)
	outR.SetReadDeadline(deadline)
	errR.SetReadDeadline(deadline)
	for range 2 {
		if err := <-copied; err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, fmt.Errorf("sending the command's output: %w", err)
		}
	}
	return code, nil
}

func (g *guest) copyStream(typ byte, r *os.File) error {
	defer r.Close()
	_, err := io.CopyBuffer(proto.StreamWriter{FW: g.fw, Type: typ}, r, make([]byte, 64<<10))
	return err
}

// reapUntil waits for any child until pid has exited and returns its exit code, 128+n for signal n.
func reapUntil(pid int) int {
	for {
		var ws unix.WaitStatus
		got, err := unix.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return 255 // ECHILD: cannot happen while pid is ours
		}
		if got != pid {
			continue
		}
		if ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ws.ExitStatus()
	}
}

// setupHost gives the guest a hostname and a working loopback device.
func setupHost(hostname string) error {
	if err := unix.Sethostname([]byte(hostname)); err != nil {
		return fmt.Errorf("sethostname: %w", err)
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("bringing lo up: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("bringing lo up: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("bringing lo up: %w", err)
	}
	return nil
}
