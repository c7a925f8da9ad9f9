package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lvslab/lvslab/lab"
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

// selectLab returns the lab named by --lab, or the only lab that is up.
func selectLab(cmd *cobra.Command) (*lab.Lab, error) {
	name, _ := cmd.Flags().GetString("lab")
	if name != "" {
		return lab.Open(name)
	}
	labs, damaged := lab.List()
	switch len(labs) {
	case 0:
		if damaged != nil {
			return nil, damaged
		}
		return nil, errors.New("no lab is up; start one with `lvslab up`")
	case 1:
		warn(cmd, damaged)
		return labs[0], nil
	}
	var names []string
	for _, l := range labs {
		names = append(names, l.Name)
	}
	return nil, fmt.Errorf("%d labs are up (%s); say which with --lab NAME", len(labs), strings.Join(names, ", "))
}

// warn prints an error that does not stop the command, such as another lab's damaged state file.
func warn(cmd *cobra.Command, err error) {
	if err != nil {
		fmt.Fprintln(cmd.ErrOrStderr(), "lvslab: warning:", err)
	}
}
