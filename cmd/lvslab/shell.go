package main

import (
	"fmt"
	"os"
	"os/exec"

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
			t, err := selectTarget(cmd)
			if err != nil {
				return unusable(err)
			}
			host := args[0]
			if t.inVM != nil {
				return forward(cmd, t.inVM, []string{"shell", "--lab", t.name(), host})
			}
			if _, err := t.native.Namespace(host); err != nil {
				return unusable(err)
			}
			shell, err := exec.LookPath("bash")
			if err != nil {
				return unusable(fmt.Errorf("no bash to run: %w", err))
			}
			os.Setenv("PS1", `[\u@`+host+` \W]\$ `)
			return unusable(t.native.Exec(host, []string{shell, "--norc", "-i"}))
		},
	}
	addLabFlag(cmd)
	return cmd
}
