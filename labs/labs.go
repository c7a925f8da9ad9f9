package labs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/lvslab/lvslab/bars"
	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/loadgen"
	"github.com/lvslab/lvslab/vm/proto"
	"github.com/lvslab/lvslab/vmlab"
)

// Lab is a lab that is up, wherever it lives.
type Lab interface {
	Name() string
	// Exec runs argv in host, wired to t; its exit status is the command's own (*vmlab.ExitError when
	// it is not 0 in a microVM; on this kernel the command replaces this process).
	Exec(ctx context.Context, host string, argv []string, t Terminal) error
	// Shell opens an interactive bash in host, its prompt naming the host as the course's screens do.
	Shell(ctx context.Context, host string, t Terminal) error
	// Load sends load from one of the lab's hosts and reports it on t (LoadRequest). The result comes back
	// for a lab on this kernel; from a microVM, only the exit status of the load there.
	Load(ctx context.Context, req LoadRequest, t Terminal) (*loadgen.Result, error)
	// Fault stops, starts, hangs or resumes a host's server, or takes its link down or up (FaultRequest).
	Fault(ctx context.Context, f lab.Fault, t Terminal) error
	// Link shapes one host's interface, or shows how it is shaped (LinkRequest).
	Link(ctx context.Context, req LinkRequest, t Terminal) error
	// Status shows the lab as lvslab status does, or with save its director's table for ipvsadm -R.
	Status(ctx context.Context, t Terminal, style bars.Style, save bool) error
	// Down takes the lab down, saying on t what it met on the way: an up it stopped, objects it left
	// alone because they were not the lab's. A lab another down took meanwhile is no error.
	Down(ctx context.Context, t Terminal) error
}

// Native is a lab on this kernel.
type Native struct{ Lab *lab.Lab }

// InVM is a lab that lives in a microVM of its own, by the host's record of the machine.
type InVM struct{ Record *vmlab.Record }

func (n Native) Name() string { return n.Lab.Name }
func (v InVM) Name() string   { return v.Record.Lab }

func (n Native) Exec(_ context.Context, host string, argv []string, _ Terminal) error {
	return n.Lab.Exec(host, argv, os.Environ())
}

func (n Native) Shell(_ context.Context, host string, _ Terminal) error {
	if _, err := n.Lab.Namespace(host); err != nil {
		return err
	}
	shell, err := exec.LookPath("bash")
	if err != nil {
		return fmt.Errorf("no bash to run: %w", err)
	}
	return n.Lab.Exec(host, []string{shell, "--norc", "-i"}, append(os.Environ(), `PS1=[\u@`+host+` \W]\$ `))
}

func (n Native) Down(ctx context.Context, t Terminal) error {
	err := n.Lab.Down(ctx)
	for _, what := range n.Lab.LeftAlone() {
		fmt.Fprintf(t.Stderr, "lvslab: lab %s: left alone: %s\n", n.Name(), what)
	}
	return err
}

// Exec runs argv in a host of the lab, as lvslab exec there would: the guest's agent starts it in the
// host's namespace itself, which saves starting an lvslab under emulation.
func (v InVM) Exec(ctx context.Context, host string, argv []string, t Terminal) error {
	return v.forward(ctx, proto.ExecRequest{Argv: argv, Lab: v.Name(), Host: host}, t, true)
}

// Shell runs lvslab shell in the machine, under a terminal there when t is one.
func (v InVM) Shell(ctx context.Context, host string, t Terminal) error {
	return v.Lvslab(ctx, []string{"shell", "--lab", v.Name(), host}, t)
}

// Down takes the lab down in its machine and powers it off; an up still bringing it up is stopped first,
// and takes down what it had made.
func (v InVM) Down(ctx context.Context, t Terminal) error {
	stopped, err := v.Record.Down(ctx) // another down may have taken it down meanwhile: no error
	if stopped != nil {
		fmt.Fprintf(t.Stdout, "lab %s was still coming up: stopped the lvslab bringing it up (pid %d), which took down what it had made\n", v.Name(), stopped.PID)
	}
	return err
}

// Open is the lab named name, of either kind.
func Open(stateDir, name string) (Lab, error) {
	r, err := vmlab.Open(stateDir, name)
	if err == nil {
		return InVM{r}, nil
	}
	if !errors.Is(err, vmlab.ErrNotFound) {
		return nil, err
	}
	l, err := lab.Open(name)
	if err != nil {
		return nil, err
	}
	return Native{l}, nil
}

// List lists the labs of both kinds, and an error for each record or state file it could not read.
func List(stateDir string) ([]Lab, error) {
	native, damaged := lab.List()
	inVM, vmDamaged := vmlab.List(stateDir)
	var out []Lab
	for _, l := range native {
		out = append(out, Native{l})
	}
	for _, r := range inVM {
		out = append(out, InVM{r})
	}
	return out, errors.Join(damaged, vmDamaged)
}

// Select is the lab named name, or when name is "" the only one that is up; warn gets an error that does
// not stop the choice (another lab's damaged record).
func Select(stateDir, name string, warn func(error)) (Lab, error) {
	if name != "" {
		return Open(stateDir, name)
	}
	all, damaged := List(stateDir)
	switch len(all) {
	case 0:
		if damaged != nil {
			return nil, damaged
		}
		return nil, errors.New("no lab is up; start one with `lvslab up`")
	case 1:
		if damaged != nil {
			warn(damaged)
		}
		return all[0], nil
	}
	var names []string
	for _, l := range all {
		names = append(names, l.Name())
	}
	return nil, fmt.Errorf("%d labs are up (%s); say which with --lab NAME", len(all), strings.Join(names, ", "))
}

// Notice is the line up prints for a lab in a microVM.
func (v InVM) Notice() string {
	m := v.Record.Machine
	return fmt.Sprintf("lab %s lives in a microVM: Debian's kernel %s (%s, qemu pid %d); lvslab exec, shell, load, status and down reach into it",
		v.Record.Lab, m.Kernel, strings.ToUpper(m.Accel), m.PID)
}
