package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lvslab/lvslab/lab"
)

// selectLab returns the lab named by --lab, or the only lab that is up.
func selectLab(cmd *cobra.Command) (*lab.Lab, error) {
	name, _ := cmd.Flags().GetString("lab")
	if name != "" {
		return lab.Open(name)
	}
	labs, err := lab.List()
	if err != nil {
		return nil, err
	}
	switch len(labs) {
	case 0:
		return nil, errors.New("no lab is up; start one with `lvslab up`")
	case 1:
		return labs[0], nil
	}
	var names []string
	for _, l := range labs {
		names = append(names, l.Name)
	}
	return nil, fmt.Errorf("%d labs are up (%s); say which with --lab NAME", len(labs), strings.Join(names, ", "))
}
