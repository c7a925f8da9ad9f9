package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/lvslab/lvslab/ipvsnl"

	"github.com/spf13/cobra"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/vm"
)

// inVMEnv marks lvslab running inside the microVM it started, so that it never starts another.
const inVMEnv = "LVSLAB_IN_VM"

// addVMFlag gives a command that may run in the microVM its --vm flag.
func addVMFlag(cmd *cobra.Command) {
	cmd.Flags().String("vm", "auto", "run in the microVM: auto (where this kernel lacks IPVS or you are not root), always, never")
}

// maybeInVM re-runs the command inside the microVM when --vm asks for it: always, or auto where this
// kernel has no IPVS or the user is not root. It reports whether it did; err then carries the exit status
// of the command inside. outputs are files the command writes, copied back to the host.
func maybeInVM(cmd *cobra.Command, outputs []string) (ran bool, err error) {
	reason, err := vmReason(cmd)
	if err != nil {
		return true, err
	}
	if reason == "" {
		return false, nil
	}
	return true, runSelfInVM(cmd, reason, outputs)
}

// vmReason says why the command should move into the microVM, as --vm asks: always, or auto where this
// kernel has no IPVS or the user is not root; "" when it runs here (never, or already in the microVM).
func vmReason(cmd *cobra.Command) (string, error) {
	mode, _ := cmd.Flags().GetString("vm")
	var reason string
	switch mode {
	case "never":
		return "", nil
	case "always":
		reason = "--vm=always"
	case "auto":
		if vm.InGuest() || os.Getenv(inVMEnv) != "" {
			return "", nil
		}
		switch {
		case os.Geteuid() != 0:
			reason = "not root"
		case ipvsnl.Check() != nil:
			reason = "this kernel has no IPVS"
		default:
			return "", nil
		}
	default:
		return "", unusable(fmt.Errorf("--vm=%s: want auto, always or never", mode))
	}
	if vm.InGuest() || os.Getenv(inVMEnv) != "" {
		return "", nil // already in the microVM: the command runs here
	}
	return reason, nil
}

func runSelfInVM(cmd *cobra.Command, reason string, outputs []string) error {
	self, err := os.Executable()
	if err != nil {
		return unusable(err)
	}
	stderr := cmd.ErrOrStderr()
	fmt.Fprintf(stderr, "lvslab: %s; running in a microVM booted from Debian's kernel\n", reason)
	start := time.Now()
	required, optional := lab.KernelModules()
	res, err := vm.Run(cmd.Context(), vm.Options{
		Modules:         required,
		OptionalModules: optional,
		Argv:            append([]string{self}, withoutVMFlag(os.Args[1:])...),
		Env:             append(os.Environ(), inVMEnv+"=1"),
		Stdout:          cmd.OutOrStdout(),
		Stderr:          stderr,
		Outputs:         outputs,
		Self:            "lvslab",
		Notices:         stderr,
	})
	if err != nil {
		return unusable(fmt.Errorf("the microVM: %w", err))
	}
	fmt.Fprintf(stderr, "lvslab: microVM (%s): kernel booted to init in %.1f s; %.1f s in all\n", strings.ToUpper(res.Accel), res.BootToInit.Seconds(), time.Since(start).Seconds())
	if res.ExitCode != 0 {
		return &exitError{code: res.ExitCode, quiet: true}
	}
	return nil
}

// withoutVMFlag drops any --vm flag before "--": in the microVM, $LVSLAB_IN_VM makes the command run
// where it is.
func withoutVMFlag(args []string) []string { return withoutFlag(args, "vm") }
