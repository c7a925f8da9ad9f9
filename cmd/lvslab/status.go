package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/labs"
)

func newStatusCommand() *cobra.Command {
	var save bool
	cmd := &cobra.Command{
		Use:   "status [NAME | --lab NAME] [--save]",
		Short: "Show the labs that are up: hosts, addresses, servers and what they have served",
		Long: `Show the labs that are up: each host's namespace, interfaces, addresses, gateway and servers with what
they have answered, the director's IPVS table as ipvsadm -L -n prints it, and any problem (a namespace
gone, the server process stopped), which makes the exit status 2.

--save prints only the director's table as ipvsadm -S -n (ipvsadm-save) prints it: rules that ipvsadm -R
reads back.`,
		Example: `  sudo lvslab status
  sudo lvslab status lab2
  sudo lvslab status --save > rules.txt`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			style, err := resolveBars(cmd)
			if err != nil {
				return err
			}
			name, err := labNamed(cmd, args)
			if err != nil {
				return unusable(err)
			}
			t := terminal(cmd)
			var onKernel []labs.Native
			var inVM []labs.InVM
			var damaged error // the healthy labs are shown all the same
			if name != "" {
				l, err := openLab(name)
				if err != nil {
					return unusable(err)
				}
				if v, ok := l.(labs.InVM); ok {
					return labError(v.Status(cmd.Context(), t, style, save))
				}
				onKernel = append(onKernel, l.(labs.Native))
			} else {
				var all []labs.Lab
				all, damaged = labs.List(lab.StateDir())
				for _, l := range all {
					switch l := l.(type) {
					case labs.Native:
						onKernel = append(onKernel, l)
					case labs.InVM:
						inVM = append(inVM, l)
					}
				}
			}
			w := cmd.OutOrStdout()
			var errs []error
			for _, v := range inVM {
				if err := v.Status(cmd.Context(), t, style, save); err != nil {
					errs = append(errs, fmt.Errorf("lab %s: %w", v.Name(), labError(err)))
				}
				if !save {
					fmt.Fprintln(w)
				}
			}
			if !save && len(onKernel) == 0 && len(inVM) == 0 && damaged == nil {
				fmt.Fprintln(w, "no lab is up; start one with `lvslab up`")
				return nil
			}
			var broken []string
			for i, l := range onKernel {
				switch {
				case save && len(onKernel) > 1:
					fmt.Fprintf(w, "# lab %s\n", l.Name())
				case !save && i > 0:
					fmt.Fprintln(w)
				}
				err := l.Status(cmd.Context(), t, style, save)
				switch {
				case errors.Is(err, labs.ErrProblems):
					broken = append(broken, l.Name())
				case err != nil:
					errs = append(errs, fmt.Errorf("lab %s: %w", l.Name(), err))
				}
			}
			if len(broken) > 0 {
				errs = append(errs, fmt.Errorf("lab %s has problems (listed above)", strings.Join(broken, ", ")))
			}
			if err := errors.Join(append(errs, damaged)...); err != nil {
				return unusable(err)
			}
			return nil
		},
	}
	addLabFlag(cmd)
	addBarsFlag(cmd)
	cmd.Flags().BoolVar(&save, "save", false, "print the director's table as ipvsadm -S -n does, for ipvsadm -R")
	return cmd
}
