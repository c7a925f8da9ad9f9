package vm

import (
	"errors"
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/windows"
)

// inherit is nothing: Windows's qemu inherits no file beyond its standard three. It opens the kernel and
// the initramfs by name (anonFile) and connects its links over the loopback (linksOverLoopback).
func inherit(...*os.File) []*os.File { return nil }

// inGroup starts cmd in a process group of its own, which the console's Ctrl-C does not reach: lvslab
// stops it itself.
func inGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: windows.CREATE_NEW_PROCESS_GROUP}
}

// detach starts cmd without a console and in a process group of its own: no Ctrl-C, no closed window
// reaches it.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: windows.CREATE_NEW_PROCESS_GROUP | windows.DETACHED_PROCESS}
}

// killGroup has no group to kill on Windows, whose qemu starts no helper of its own: the caller kills qemu
// itself, through the handle its exec.Cmd holds.
func killGroup(int) {}

// socketpair is never asked for on Windows, whose links go over the loopback.
func socketpair(name string) (ours, theirs *os.File, err error) {
	return nil, nil, errors.New("the " + name + ": Windows's qemu inherits no socket; its links go over the loopback")
}
