package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/vm"
	"github.com/lvslab/lvslab/vmlab"
)

// target is the lab a command acts on: one on this kernel, or one that lives in a microVM.
type target struct {
	native *lab.Lab
	inVM   *vmlab.Record
}

func (t target) name() string {
	if t.inVM != nil {
		return t.inVM.Lab
	}
	return t.native.Name
}

// allLabs lists the labs of both kinds, and an error for each record or state file it could not read.
func allLabs() ([]target, error) {
	native, damaged := lab.List()
	inVM, vmDamaged := vmlab.List(lab.StateDir())
	var out []target
	for _, l := range native {
		out = append(out, target{native: l})
	}
	for _, r := range inVM {
		out = append(out, target{inVM: r})
	}
	return out, errors.Join(damaged, vmDamaged)
}

// openTarget is the lab named name, of either kind.
func openTarget(name string) (target, error) {
	r, err := vmlab.Open(lab.StateDir(), name)
	if err == nil {
		return target{inVM: r}, nil
	}
	if !errors.Is(err, vmlab.ErrNotFound) {
		return target{}, err
	}
	l, err := lab.Open(name)
	return target{native: l}, err
}

// selectTarget is the lab --lab names, or the only one that is up.
func selectTarget(cmd *cobra.Command) (target, error) {
	if name, _ := cmd.Flags().GetString("lab"); name != "" {
		return openTarget(name)
	}
	labs, damaged := allLabs()
	switch len(labs) {
	case 0:
		if damaged != nil {
			return target{}, damaged
		}
		return target{}, errors.New("no lab is up; start one with `lvslab up`")
	case 1:
		warn(cmd, damaged)
		return labs[0], nil
	}
	var names []string
	for _, t := range labs {
		names = append(names, t.name())
	}
	return target{}, fmt.Errorf("%d labs are up (%s); say which with --lab NAME", len(labs), strings.Join(names, ", "))
}

// inVMNotice is the line up prints for a lab in a microVM.
func inVMNotice(r *vmlab.Record) string {
	m := r.Machine
	return fmt.Sprintf("lab %s lives in a microVM: Debian's kernel %s (%s, qemu pid %d); lvslab exec, shell, load, status and down reach into it",
		r.Lab, m.Kernel, strings.ToUpper(m.Accel), m.PID)
}

// forward runs lvslab with args inside the lab's microVM, as if typed there: a terminal on stdin and
// stdout makes it run under a terminal in the machine (raw here, its size followed); otherwise its
// stdin is streamed, and signals that would stop lvslab here go to it there. The exit status is its own.
func forward(cmd *cobra.Command, r *vmlab.Record, args []string) error {
	return forwardRequest(cmd, r, vm.ExecRequest{Argv: append([]string{"lvslab"}, args...)}, args[0] != "status")
}

// forwardExec runs argv in a host of a lab in a microVM, as lvslab exec there would; the guest's agent
// starts it in the host's namespace itself, which saves starting an lvslab under emulation.
func forwardExec(cmd *cobra.Command, r *vmlab.Record, host string, argv []string) error {
	return forwardRequest(cmd, r, vm.ExecRequest{Argv: argv, Lab: r.Lab, Host: host}, true)
}

// forwardRequest runs req in the lab's machine, wired to this terminal; writes says whether the command may
// write files (then it is warned when they would stay in the machine).
func forwardRequest(cmd *cobra.Command, r *vmlab.Record, req vm.ExecRequest, writes bool) error {
	r, err := r.AwaitUp(cmd.Context(), cmd.ErrOrStderr())
	if err != nil {
		return unusable(err)
	}
	req.Dir = guestDir(cmd, r, writes)
	eio := vm.ExecIO{Stdin: cmd.InOrStdin(), Stdout: cmd.OutOrStdout(), Stderr: cmd.ErrOrStderr()}
	stdin, stdinIsFile := cmd.InOrStdin().(*os.File)
	stdout, stdoutIsFile := cmd.OutOrStdout().(*os.File)
	if stdinIsFile && stdoutIsFile && term.IsTerminal(int(stdin.Fd())) && term.IsTerminal(int(stdout.Fd())) {
		cols, rows, err := term.GetSize(int(stdout.Fd()))
		if err == nil {
			req.TTY, req.Rows, req.Cols = true, uint16(rows), uint16(cols)
		}
		if old, err := term.MakeRaw(int(stdin.Fd())); err == nil {
			defer term.Restore(int(stdin.Fd()), old)
		}
		eio.Resize = followSize(stdout)
	}
	ctx, hangUp := context.WithCancel(context.WithoutCancel(cmd.Context()))
	defer hangUp()
	var hungUp atomic.Bool
	eio.Signals = takeOverSignals(func() { hungUp.Store(true); hangUp() })
	code, err := r.RunRequest(ctx, req, eio)
	if hungUp.Load() {
		return &exitError{code: 128 + int(syscall.SIGHUP), quiet: true}
	}
	if err != nil {
		return unusable(err)
	}
	if code != 0 {
		return &exitError{code: code, quiet: true}
	}
	return nil
}

// guestDir is where a command forwarded to the lab's machine runs: this folder, which the machine sees
// read-only, or shares read-write if it is the one up ran from; a command that may write files is warned
// when they would stay in the machine. A folder the machine has of its own (/run, say) is not this one, so
// the command runs in / instead.
func guestDir(cmd *cobra.Command, r *vmlab.Record, writes bool) string {
	dir, err := os.Getwd()
	if err != nil || r.Shares(dir) {
		return dir
	}
	shared := "it shares none"
	if r.Share != "" {
		shared = "it shares " + r.Share
	}
	if vm.GuestOwn(dir) {
		fmt.Fprintf(cmd.ErrOrStderr(), "lvslab: %s is lab %s's microVM's own folder there, not this host's: the command runs in / (%s)\n", dir, r.Lab, shared)
		return "/"
	}
	if writes {
		fmt.Fprintf(cmd.ErrOrStderr(), "lvslab: %s is not shared with lab %s's microVM (%s): what the command writes there stays in the machine\n", dir, r.Lab, shared)
	}
	return dir
}

// followSize sends the terminal's size each time it changes (SIGWINCH).
func followSize(tty *os.File) <-chan [2]uint16 {
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	sizes := make(chan [2]uint16, 1)
	go func() {
		for range winch {
			if cols, rows, err := term.GetSize(int(tty.Fd())); err == nil {
				select {
				case sizes <- [2]uint16{uint16(rows), uint16(cols)}:
				default:
				}
			}
		}
	}()
	return sizes
}

// takeOverSignals stops SIGINT, SIGTERM and SIGQUIT from stopping this lvslab, and hands them over, for a
// command in the microVM to receive instead. SIGHUP (the terminal closed) calls hangUp instead: the
// connection ends, and the agent hangs the command up as a closed terminal would.
func takeOverSignals(hangUp func()) <-chan syscall.Signal {
	stopInterrupts()
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	out := make(chan syscall.Signal, 4)
	go func() {
		for s := range sigs {
			if s == syscall.SIGHUP {
				hangUp()
				continue
			}
			out <- s.(syscall.Signal)
		}
	}()
	return out
}

// vmOptions are the microVM's options for a lab's machine.
func vmOptions(cmd *cobra.Command, kernelPackage string) vm.Options {
	required, optional := lab.KernelModules()
	return vm.Options{Modules: required, OptionalModules: optional, Self: "lvslab", Package: kernelPackage,
		Notices: cmd.ErrOrStderr()}
}

// vmUp brings a lab up in a microVM of its own: lvslab up args… there. A down stops it with SIGTERM, and
// two downs, or a Ctrl-C and a down, send two: the first stops it, the next must not cut short the
// taking down the first began, so this lvslab keeps catching SIGTERM.
func vmUp(ctx context.Context, name string, args []string, opts vm.Options, stdout, stderr io.Writer) (*vmlab.Record, error) {
	terms := make(chan os.Signal, 1)
	signal.Notify(terms, syscall.SIGTERM)
	defer signal.Stop(terms)
	return vmlab.Up(ctx, lab.StateDir(), name, args, opts, stdout, stderr)
}
