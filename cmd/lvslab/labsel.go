package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/labs"
	"github.com/lvslab/lvslab/vmlab"
)

// addLabFlag gives a command that acts on one lab its --lab flag.
func addLabFlag(cmd *cobra.Command) {
	cmd.Flags().String("lab", "", "the lab to act on, when more than one is up")
}

// labNamed is the lab a command's NAME argument or --lab names, "" when neither does.
func labNamed(cmd *cobra.Command, args []string) (string, error) {
	flag, _ := cmd.Flags().GetString("lab")
	switch {
	case len(args) == 0:
		return flag, nil
	case flag != "" && flag != args[0]:
		return "", fmt.Errorf("lab %s and --lab %s: name one lab", args[0], flag)
	}
	return args[0], nil
}

// selectLab is the lab --lab names, or the only one that is up.
func selectLab(cmd *cobra.Command) (labs.Lab, error) {
	name, _ := cmd.Flags().GetString("lab")
	return labs.Select(lab.StateDir(), name, func(err error) { warn(cmd, err) })
}

// openLab is the lab named name, wherever it lives.
func openLab(name string) (labs.Lab, error) { return labs.Open(lab.StateDir(), name) }

// terminal is what a command run in a lab is wired to: this command's.
func terminal(cmd *cobra.Command) labs.Terminal {
	return labs.Terminal{Stdin: cmd.InOrStdin(), Stdout: cmd.OutOrStdout(), Stderr: cmd.ErrOrStderr(), StopInterrupts: stopInterrupts}
}

// labError is the exit of a command run in a lab: the status of one that ran in a microVM (which said
// why itself), else unusable.
func labError(err error) error {
	var exit *vmlab.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exit):
		return &exitError{code: exit.Code, quiet: true}
	}
	return unusable(err)
}

// warn prints an error that does not stop the command, such as another lab's damaged state file.
func warn(cmd *cobra.Command, err error) {
	if err != nil {
		fmt.Fprintln(cmd.ErrOrStderr(), "lvslab: warning:", err)
	}
}

// commandLine is the command as it was parsed, to run again in a microVM: its words below lvslab, the
// flags that were set (but those named in drop) as --NAME=VALUE, and its arguments. It is rebuilt from
// what was parsed, so values a command settled (an output made absolute, the bars it resolved) go with it.
func commandLine(cmd *cobra.Command, args []string, drop ...string) []string {
	line := strings.Fields(cmd.CommandPath())[1:]
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if slices.Contains(drop, f.Name) {
			return
		}
		if s, ok := f.Value.(pflag.SliceValue); ok {
			for _, v := range s.GetSlice() {
				line = append(line, "--"+f.Name+"="+v)
			}
			return
		}
		line = append(line, "--"+f.Name+"="+f.Value.String())
	})
	if dash := cmd.ArgsLenAtDash(); dash >= 0 {
		return append(append(append(line, args[:dash]...), "--"), args[dash:]...)
	}
	return append(line, args...)
}
