package main

import (
	"github.com/spf13/cobra"
)

func newShellCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "shell [--lab NAME] HOST",
		Short: "Open a shell inside a lab host, its prompt naming the host",
		Long: `Open an interactive shell (bash) inside a lab host's network namespace, its prompt naming the host as
the tutorial's screens do: [root@director ~]#. Type ipvsadm, curl, ab, tcpdump there as on the host
itself; exit (or Ctrl-D) leaves it. In a lab that lives in a microVM the shell runs there, under a
terminal, with this folder writable from there (ipvsadm -S > rules.txt lands here).`,
		Example: `  sudo lvslab shell director
  sudo lvslab shell --lab lab2 client`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := selectLab(cmd)
			if err != nil {
				return unusable(err)
			}
			return labError(l.Shell(cmd.Context(), args[0], terminal(cmd)))
		},
	}
	addLabFlag(cmd)
	return cmd
}
