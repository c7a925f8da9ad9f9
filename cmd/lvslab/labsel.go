package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
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

// warn prints an error that does not stop the command, such as another lab's damaged state file.
func warn(cmd *cobra.Command, err error) {
	if err != nil {
		fmt.Fprintln(cmd.ErrOrStderr(), "lvslab: warning:", err)
	}
}

// withoutLabFlag drops --lab NAME and --lab=NAME from a command line, before "--".
func withoutLabFlag(args []string) []string { return withoutFlag(args, "lab") }

// withoutFlag drops --NAME VALUE and --NAME=VALUE from a command line, before "--".
func withoutFlag(args []string, name string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return append(out, args[i:]...)
		case strings.HasPrefix(a, "--"+name+"="):
		case a == "--"+name && i+1 < len(args):
			i++
		default:
			out = append(out, a)
		}
	}
	return out
}
