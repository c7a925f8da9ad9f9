package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lvslab/lvslab/lab"
)

func newFaultCommand() *cobra.Command {
	var period time.Duration
	var times int
	cmd := &cobra.Command{
		Use:   "fault [--lab NAME] HOST[:INTERFACE] " + strings.Join(lab.FaultActions, "|") + " [--period D --times N] | director NAME=VALUE",
		Short: "Break a lab host on purpose: stop, start, hang or resume its server; take its link down, up, or flap it; set a director's IPVS sysctl",
		Long: `Break a running lab's host as real servers break, to see what IPVS does then:

  stop       its HTTP and UDP servers die: their sockets close, open connections end, and the host's
             kernel refuses new connections (a reset) and answers datagrams with port unreachable
  start      they come back, on new sockets, after a stop
  hang       they freeze: nothing more is answered, and new connections wait in the listen queue (the
             kernel still completes their handshakes) until it fills
  resume     they go on after a hang, answering what waited
  link-down  the host's interface goes down, as a cable pulled (HOST:INTERFACE names one of several)
  link-up    it comes back, with the host's routes
  link-flap  down for --period, up for as long, --times times (lvslab waits; Ctrl-C leaves it up)

On the director, NAME=VALUE sets one of its IPVS sysctls that decide what becomes of a removed or
drained server's connections: ` + strings.Join(lab.SettableSysctls, ", ") + `.

IPVS does not notice by itself: the director keeps scheduling to a dead server (a health checker such
as keepalived would take it out with ipvsadm -d, or its weight to 0 with ipvsadm -e -w 0). lvslab status
shows each server's state.`,
		Example: `  sudo lvslab fault rs1 stop              # rs1's server dies
  sudo lvslab exec client -- curl -s http://192.168.0.75/   # half the fetches fail under rr
  sudo lvslab exec director -- ipvsadm -e -t 192.168.0.75:80 -r 172.16.0.45:80 -m -w 0
  sudo lvslab fault rs1 start
  sudo lvslab fault rs2 link-down
  sudo lvslab fault rs1 link-flap --period 500ms --times 3
  sudo lvslab fault director expire_nodest_conn=1`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := faultFromCommand(cmd, args, period, times)
			if err != nil {
				return unusable(err)
			}
			l, err := selectLab(cmd)
			if err != nil {
				return unusable(err)
			}
			return labError(l.Fault(cmd.Context(), req, terminal(cmd)))
		},
	}
	addLabFlag(cmd)
	cmd.Flags().DurationVar(&period, "period", 0, "link-flap: how long the link stays down, then up")
	cmd.Flags().IntVar(&times, "times", 1, "link-flap: how many times it goes down")
	return cmd
}

// faultFromCommand reads lvslab fault's target and action, and its flags' period and times.
func faultFromCommand(cmd *cobra.Command, args []string, period time.Duration, times int) (lab.Fault, error) {
	target, action := args[0], args[1]
	if action != lab.LinkFlap && (cmd.Flags().Changed("period") || cmd.Flags().Changed("times")) {
		return lab.Fault{}, fmt.Errorf("--period and --times are for %s, not %s", lab.LinkFlap, action)
	}
	host, ifname, err := lab.ParseTarget(target)
	f := lab.Fault{Host: host, Interface: ifname, Action: action}
	if action == lab.LinkFlap {
		f.Period, f.Times = period, times
	}
	if err != nil {
		return f, err
	}
	return f, f.Check()
}
