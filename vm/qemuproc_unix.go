//go:build unix

package vm

import (
	"os"
	"os/exec"
	"syscall"
)

// inherit is what qemu inherits, in exec.Cmd.ExtraFiles order (fdInitrd on).
func inherit(files ...*os.File) []*os.File { return files }

// inGroup starts cmd in a process group of its own, so that what a qemu wrapper forks is stopped with it.
func inGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// detach starts cmd in a session of its own: no terminal's Ctrl-C, no parent's death reaches it.
func detach(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }

// killGroup kills the group inGroup gave the process pid (pid, not reaped yet, still names it).
func killGroup(pid int) { syscall.Kill(-pid, syscall.SIGKILL) }
