package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/labs"
	"github.com/lvslab/lvslab/vmlab"
)

func newDownCommand() *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "down [NAME | --lab NAME | --all]",
		Short: "Take a lab down, leaving nothing behind",
		Long: `Take a lab down from its state file (` + lab.StateDir() + `/<name>.json): stop every process running inside
the lab's namespaces (its HTTP servers, and anything started with lvslab exec), delete the namespaces and
with them every link and bridge, and remove the lab's files. It needs no topology file and works after a
crash or a kill -9 of lvslab up. Running it again is harmless. Nothing the lab did not make is touched.

With no NAME, the only lab that is up is taken down. A lab that lives in a microVM is taken down there,
and the machine is powered off.`,
		Example: `  sudo lvslab down
  sudo lvslab down lab2
  sudo lvslab down --all`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var up []labs.Lab
			var errs []error
			name, err := labNamed(cmd, args)
			if err != nil {
				return unusable(err)
			}
			switch {
			case all && name != "":
				return unusable(errors.New("give a lab name or --all, not both"))
			case all:
				var damaged error
				up, damaged = labs.List(lab.StateDir())
				errs = append(errs, damaged) // every healthy lab goes down all the same
			case name != "":
				l, err := openLab(name)
				if errors.Is(err, lab.ErrNotFound) {
					vmlab.ClearLeftovers(lab.StateDir(), name) // what a killed up may have left
					fmt.Fprintf(cmd.OutOrStdout(), "lab %s is not up; nothing to do\n", name)
					return nil
				}
				if err != nil {
					return unusable(err)
				}
				up = append(up, l)
			default:
				var damaged error
				up, damaged = labs.List(lab.StateDir())
				if len(up) > 1 {
					_, err := selectLab(cmd) // names the labs and asks which (--lab is empty here)
					return unusable(err)
				}
				if len(up) == 0 && damaged != nil {
					return unusable(damaged)
				}
				warn(cmd, damaged)
			}
			if len(up) == 0 && errors.Join(errs...) == nil {
				fmt.Fprintln(cmd.OutOrStdout(), "no lab is up; nothing to do")
			}
			for _, t := range up {
				start := time.Now()
				ctx := context.WithoutCancel(cmd.Context()) // a Ctrl-C must not leave half a lab
				err := t.Down(ctx, terminal(cmd))
				if err != nil {
					errs = append(errs, err)
					continue
				}
				fmt.Fprintf(cmd.OutOrStdout(), "lab %s is down (%v)\n", t.Name(), time.Since(start).Round(time.Millisecond))
			}
			if err := errors.Join(errs...); err != nil {
				return unusable(err)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "take down every lab that is up")
	addLabFlag(cmd)
	return cmd
}
