package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/lvslab/lvslab/labs"
	"github.com/lvslab/lvslab/vm"
	"github.com/lvslab/lvslab/vm/proto"
)

// addVMFlag gives a command that may run in the microVM its --vm and --arch flags.
func addVMFlag(cmd *cobra.Command) {
	cmd.Flags().String("vm", "auto", "run in the microVM: auto (where this kernel lacks IPVS or you are not root), always, never")
	addArchFlag(cmd.Flags(), new(string))
}

// addArchFlag gives a command that boots the microVM its --arch flag.
func addArchFlag(f *pflag.FlagSet, arch *string) {
	f.StringVar(arch, "arch", "", "in the microVM: the guest's architecture, amd64 or arm64 (default $"+vm.ArchEnv+", else the kernel package's, else this host's); another than the host's runs under TCG, with lvslab-linux-<arch> beside lvslab as its /init")
}

// archFlag is the command's --arch.
func archFlag(cmd *cobra.Command) string {
	arch, _ := cmd.Flags().GetString("arch")
	return arch
}

// vmMachine is how the command's microVM boots: its --arch, and the kernel package given.
func vmMachine(cmd *cobra.Command, kernelPackage string) labs.Machine {
	return labs.Machine{KernelPackage: kernelPackage, Arch: archFlag(cmd)}
}

// decide is where the command's lab lives, by its --vm flag and what it needs.
func decide(cmd *cobra.Command, needs labs.Needs) (labs.Decision, error) {
	flag, _ := cmd.Flags().GetString("vm")
	mode, err := labs.ParseMode(flag)
	if err != nil {
		return labs.Decision{}, unusable(err)
	}
	if arch := archFlag(cmd); arch != "" {
		if _, err := vm.GuestArch(arch, ""); err != nil {
			return labs.Decision{}, unusable(err) // before anything says a machine boots
		}
	}
	d, err := labs.Decide(mode, needs)
	if err != nil {
		return d, unusable(err)
	}
	return d, nil
}

// maybeInVM runs the command (args its arguments) again inside a microVM when --vm asks for it: always,
// or auto where this kernel has no IPVS or the user is not root. It reports whether it did; err then
// carries the exit status of the command inside. outputs are files the command writes, copied back.
func maybeInVM(cmd *cobra.Command, args, outputs []string) (ran bool, err error) {
	d, err := decide(cmd, labs.Needs{IPVS: true, Root: true})
	if err != nil {
		return true, err
	}
	if !d.InVM {
		return false, nil
	}
	return true, runSelfInVM(cmd, d.Reason, commandLine(cmd, args, "vm", "arch"), outputs)
}

func runSelfInVM(cmd *cobra.Command, reason string, line, outputs []string) error {
	stderr := cmd.ErrOrStderr()
	fmt.Fprintf(stderr, "lvslab: %s; running in a microVM booted from Debian's kernel\n", reason)
	start := time.Now()
	opts := labs.VMOptions(vmMachine(cmd, ""), stderr)
	// The guest's own lvslab, its /init: this one, or, for a guest of another architecture, its build for it.
	opts.Argv, opts.Env = append([]string{opts.Self}, line...), append(os.Environ(), proto.InVMEnv+"=1")
	opts.Stdout, opts.Stderr, opts.Outputs = cmd.OutOrStdout(), stderr, outputs
	res, err := vm.Run(cmd.Context(), opts)
	if err != nil {
		return unusable(fmt.Errorf("the microVM: %w", err))
	}
	fmt.Fprintln(stderr, res.Summary(time.Since(start)))
	if res.ExitCode != 0 {
		return &exitError{code: res.ExitCode, quiet: true}
	}
	return nil
}
