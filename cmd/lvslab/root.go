package main

import "github.com/spf13/cobra"

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "lvslab",
		Short: "Build Linux IPVS (LVS) load-balancing labs in milliseconds, load them, and check them",
		Long: `lvslab builds a load-balancing lab on this machine from a topology file: a client, a director
and real servers, each in its own network namespace, joined by virtual bridges, with tiny HTTP (and UDP)
servers that name themselves, and the director's IPVS table programmed from rules in ipvsadm's syntax.
Nothing is added to your machine's own network: the lab's addresses exist only inside the lab. Then it
sends load and checks that each scheduler did what the kernel promises (lvslab test). Where the kernel
has no IPVS, lvslab demo and lvslab test run in a microVM booted from Debian's kernel, by themselves.

With no topology file, lvslab builds the classic LVS NAT walkthrough: client 192.168.0.100, director
with VIP 192.168.0.75 and DIP 172.16.0.10, real servers rs1 172.16.0.45, rs2 172.16.0.55 and
rs3 172.16.0.65 whose pages read RS1.magedu.com, RS2.magedu.com and RS3.magedu.com.

Exit status: 0 pass, 1 an expectation failed (e.g. requests failed under load), 2 the lab could not be
brought to a testable state (bad input, not root, missing kernel feature); the message says which.`,
		Example: `  sudo lvslab demo                                # the LVS NAT tutorial, replayed and checked
  sudo lvslab test                                # every scheduler and forwarding method, proven
  sudo lvslab up                                  # the NAT walkthrough, left up
  sudo lvslab exec director -- curl -s http://172.16.0.45/
  sudo lvslab load -n 10000 -c 50 --from director http://172.16.0.45/
  sudo lvslab status
  sudo lvslab down
  lvslab graph -f dr -o dr.svg                    # a lab drawn (no root needed)`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.CompletionOptions.HiddenDefaultCmd = true
	root.AddCommand(newUpCommand(), newDownCommand(), newStatusCommand(), newExecCommand(), newLinkCommand(), newFaultCommand(), newLoadCommand(),
		newDemoCommand(), newTestCommand(), newReportCommand(), newVMCommand(), newCacheCommand(), newBundleCommand(), newShellCommand(), newTutorialCommand(), newGraphCommand())
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return unusable(err)
	})
	return root
}
