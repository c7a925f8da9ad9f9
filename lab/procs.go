//go:build linux

package lab

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/lvslab/lvslab/internal/proc"

	"golang.org/x/sys/unix"

	"github.com/lvslab/lvslab/internal/wait"
)

// processesIn lists the processes whose network namespace is one of inodes, never this process.
func processesIn(inodes map[uint64]bool) []int {
	all, err := proc.PIDs()
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var pids []int
	for _, pid := range all {
		if pid == self {
			continue
		}
		link, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/net")
		if err != nil {
			continue // gone, or a kernel thread
		}
		if ino, ok := parseNsLink(link); ok && inodes[ino] {
			pids = append(pids, pid)
		}
	}
	return pids
}

// parseNsLink reads "net:[4026532281]".
func parseNsLink(link string) (uint64, bool) {
	rest, ok := strings.CutPrefix(link, "net:[")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimSuffix(rest, "]"), 10, 64)
	return n, err == nil
}

// killAndWait SIGKILLs pids and polls until each has exited, reaping those that are our children.
func killAndWait(ctx context.Context, pids []int) error {
	for _, pid := range pids {
		unix.Kill(pid, syscall.SIGKILL)
	}
	return wait.Until(ctx, 5*time.Second, func() (bool, string) {
		var left []string
		for _, pid := range pids {
			if alive(pid) {
				left = append(left, strconv.Itoa(pid))
			}
		}
		return len(left) == 0, "processes " + strings.Join(left, ", ") + " still running after SIGKILL"
	})
}

// alive reports whether pid runs; a zombie has dropped its namespaces and sockets and does not count.
// Our own zombie children are reaped on the way.
func alive(pid int) bool {
	var ws unix.WaitStatus
	if got, _ := unix.Wait4(pid, &ws, unix.WNOHANG, nil); got == pid {
		return false
	}
	state, _, err := proc.Stat(pid)
	return err == nil && state != 'Z' && state != 'X'
}

// running reports whether p is still the process that was recorded (not a reused PID).
func (p *Process) running() bool {
	if p == nil {
		return false
	}
	return proc.Running(p.PID, p.StartTime)
}

func processOf(pid int) (*Process, error) {
	_, start, err := proc.Stat(pid)
	if err != nil {
		return nil, fmt.Errorf("reading process %d: %w", pid, err)
	}
	return &Process{PID: pid, StartTime: start}, nil
}
