package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/labs"
	"github.com/lvslab/lvslab/vmlab"
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
			var onKernel []*lab.Lab
			var inVM []*vmlab.Record
			var damaged error
			name, err := labNamed(cmd, args)
			if err != nil {
				return unusable(err)
			}
			if name != "" {
				l, err := openLab(name)
				if err != nil {
					return unusable(err)
				}
				if v, ok := l.(labs.InVM); ok {
					return statusInVM(cmd, v.Record, save)
				}
				onKernel = append(onKernel, l.(labs.Native).Lab)
			} else {
				var vmDamaged error
				onKernel, damaged = lab.List() // the healthy labs are shown all the same
				inVM, vmDamaged = vmlab.List(lab.StateDir())
				damaged = errors.Join(damaged, vmDamaged)
			}
			w := cmd.OutOrStdout()
			var errs []error
			for _, r := range inVM {
				if err := statusInVM(cmd, r, save); err != nil {
					errs = append(errs, fmt.Errorf("lab %s: %w", r.Lab, err))
				}
				if !save {
					fmt.Fprintln(w)
				}
			}
			if save {
				return saveTables(cmd, onKernel, errors.Join(append(errs, damaged)...))
			}
			if len(onKernel) == 0 && len(inVM) == 0 && damaged == nil {
				fmt.Fprintln(w, "no lab is up; start one with `lvslab up`")
				return nil
			}
			var broken []string
			for i, l := range onKernel {
				if i > 0 {
					fmt.Fprintln(w)
				}
				if !(labs.Native{Lab: l}).WriteStatus(cmd.Context(), w, style) {
					broken = append(broken, l.Name)
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

// saveTables prints each lab's director table in ipvsadm -S -n form, a comment line naming the lab first
// when there are several.
func saveTables(cmd *cobra.Command, labs []*lab.Lab, damaged error) error {
	w := cmd.OutOrStdout()
	var errs []error
	for _, l := range labs {
		if len(labs) > 1 {
			fmt.Fprintf(w, "# lab %s\n", l.Name)
		}
		snap, err := l.IPVS()
		if err != nil {
			errs = append(errs, fmt.Errorf("lab %s: %w", l.Name, err))
			continue
		}
		if err := snap.Table.Save(w); err != nil {
			return err
		}
	}
	if err := errors.Join(append(errs, damaged)...); err != nil {
		return unusable(err)
	}
	return nil
}

// statusInVM shows a lab that lives in a microVM: its machine, then what status says in it.
func statusInVM(cmd *cobra.Command, r *vmlab.Record, save bool) error {
	if r.Phase == vmlab.PhaseBooting {
		w := cmd.OutOrStdout()
		if save {
			w = cmd.ErrOrStderr() // not among the rules
		}
		if r.Booter.Running() {
			fmt.Fprintf(w, "lab %s: coming up in a microVM (lvslab pid %d, for %v); `lvslab status %s` shows it once it is up\n",
				r.Lab, r.Booter.PID, time.Since(r.Created).Round(time.Second), r.Lab)
			if save {
				return fmt.Errorf("lab %s has no rules to save yet; run status --save again once its up has finished", r.Lab)
			}
			return nil
		}
		_, err := r.AwaitUp(cmd.Context(), io.Discard) // says why it never came up
		fmt.Fprintf(w, "%v\n", err)
		return fmt.Errorf("lab %s never came up", r.Lab)
	}
	if !save {
		fmt.Fprintf(cmd.OutOrStdout(), "%s\n", labs.InVM{Record: r}.Notice())
	}
	bars, _ := cmd.Flags().GetString("bars") // resolved here: its output there ends up on this terminal
	args := []string{"status", r.Lab, "--bars=" + bars}
	if save {
		args = append(args, "--save")
	}
	return labError(labs.InVM{Record: r}.Lvslab(cmd.Context(), args, terminal(cmd)))
}
