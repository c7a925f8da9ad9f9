package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newExecCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "exec [--lab NAME] HOST -- COMMAND [ARG...]",
		Short: "Run a command inside a lab host",
		Long: `Run a command inside a lab host's network namespace, as ip netns exec does: it sees only that host's
interfaces, addresses and routes, and its exit status is the command's own. Any program on this machine
can run there: curl, ab, ss, ip, tcpdump, a shell. Processes still running inside the lab when it is
taken down are stopped by lvslab down. In a lab that lives in a microVM, the command runs there, under
a terminal when this one is one (a shell there works as here: job control, full-screen programs, Ctrl-C),
with this folder writable from there.`,
		Example: `  sudo lvslab exec director -- curl -s http://172.16.0.45/
  sudo lvslab exec client -- ab -n 1000 -c 10 http://192.168.0.75/
  sudo lvslab exec rs1 -- ip addr
  sudo lvslab exec director -- bash          # a shell on the director`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.ArgsLenAtDash() != 1 {
				return unusable(fmt.Errorf("write the command after --: lvslab exec %s -- COMMAND", args[0]))
			}
			l, err := selectLab(cmd)
			if err != nil {
				return unusable(err)
			}
			return labError(l.Exec(cmd.Context(), args[0], args[1:], terminal(cmd)))
		},
	}
	addLabFlag(cmd)
	return cmd
}
