package main

import (
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/lvslab/lvslab/internal/tty"
	"github.com/lvslab/lvslab/scenarios"
)

func newDemoCommand() *cobra.Command {
	var o scenarios.DemoOptions
	cmd := &cobra.Command{
		Use:   "demo [-n N] [-c C]",
		Short: "Replay the LVS NAT walkthrough end to end and check its 3:1 wrr split",
		Long: `Replay the classic LVS NAT walkthrough, step by step, on the kernel's own IPVS:

  1. bring up the lab: client 192.168.0.100, director (VIP 192.168.0.75, DIP 172.16.0.10), real servers
     rs1 172.16.0.45, rs2 172.16.0.55, rs3 172.16.0.65
  2. ipvsadm -A -t 192.168.0.75:80 -s rr, and -a each real server with -m (NAT)
  3. six requests from the client, answered by each real server in turn
  4. ipvsadm -d rs3, -E ... -s wrr, -e rs1 -w 3, -e rs2 -w 1, as the tutorial does
  5. ab -n 10000 -c 100 http://192.168.0.75/ from the client (lvslab's own load generator)
  6. the connections each real server saw, what the load generator and IPVS counted
     (ipvsadm -L -n --stats), and the verdict: 7500/2500 within one, as wrr promises

The lab is taken down at the end. Where this kernel has no IPVS (or you are not root), the demo runs in
a microVM booted from Debian's kernel, and says so. Exit status 0 when the split is right, 1 when it is
not, 2 when the lab could not be built.`,
		Example: `  sudo lvslab demo
  lvslab demo --vm=always         # in the microVM even where the kernel has IPVS
  sudo lvslab demo -n 2000 -c 20  # a lighter load`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			style, err := resolveBars(cmd)
			if err != nil {
				return err
			}
			o.Bars = style
			if ran, err := maybeInVM(cmd, nil, nil); ran {
				return err
			}
			if tty.IsTerminal(os.Stderr) {
				o.Progress = os.Stderr
			}
			err = scenarios.Demo(cmd.Context(), cmd.OutOrStdout(), o)
			if errors.Is(err, scenarios.ErrDemoFailed) {
				return failed(err)
			}
			if err != nil {
				return unusable(err)
			}
			return nil
		},
	}
	cmd.Flags().IntVarP(&o.Requests, "requests", "n", 10000, "connections in the wrr load (the tutorial's ab -n)")
	cmd.Flags().IntVarP(&o.Concurrency, "concurrency", "c", 100, "connections at a time (the tutorial's ab -c)")
	cmd.Flags().StringVar(&o.Name, "name", "lvslab-demo", "name of the demo's lab")
	addVMFlag(cmd)
	addBarsFlag(cmd)
	return cmd
}
