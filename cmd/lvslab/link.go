package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/labs"
	"github.com/lvslab/lvslab/topology"
)

func newLinkCommand() *cobra.Command {
	cmd, _ := linkCommand()
	return cmd
}

// linkFlags are lvslab link's settings, as given.
type linkFlags struct {
	clear  bool
	values map[string]*string
}

// linkCommand is lvslab link and where its flags land.
func linkCommand() (*cobra.Command, *linkFlags) {
	lf := &linkFlags{values: map[string]*string{}}
	cmd := &cobra.Command{
		Use:   "link [--lab NAME] HOST[:INTERFACE] [--delay D] [--jitter D] [--loss P] [--duplicate P] [--reorder P] [--corrupt P] [--rate R] | --clear",
		Short: "Shape a lab host's link: delay, jitter, loss, duplication, reordering, corruption, rate",
		Long: `Shape what a lab host sends on one of its interfaces (its only one unless HOST:INTERFACE names it), on a
running lab, with Linux's netem as the interface's queueing discipline, as
tc qdisc replace dev INTERFACE root netem … does: the settings given replace any shaping there, and
--clear takes it away. With no setting, it shows how the interface is shaped. Either way it prints the
shaping as the kernel has it afterwards, which lvslab status shows too.

A delay on a real server's link slows its answers, so that connections pile up on it as on a slow
server: what lc, wlc, sed and nq weigh. Shape the client's link to slow the requests instead.
Durations as 50ms or 1.5s (at most a minute; jitter and reorder need a delay), per cents as 1% or 0.5%,
rates in bits per second as 10mbit, 512kbit or 1gbit. A topology file shapes an interface from the start:
{network: hostonly, address: 172.16.0.45, shape: {delay: 50ms, loss: 1%}}.`,
		Example: `  sudo lvslab link rs1 --delay 50ms --jitter 10ms       # rs1 answers 40-60 ms later
  sudo lvslab link rs2 --loss 5%                         # one packet in twenty lost
  sudo lvslab link director:eth1 --rate 10mbit          # the director's real-server side, paced
  sudo lvslab link rs1                                   # how rs1's link is shaped
  sudo lvslab link rs1 --clear`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := lf.request(cmd, args[0])
			if err != nil {
				return unusable(err)
			}
			l, err := selectLab(cmd)
			if err != nil {
				return unusable(err)
			}
			return labError(l.Link(cmd.Context(), req, terminal(cmd)))
		},
	}
	addLabFlag(cmd)
	help := map[string]string{
		"delay": "added to every packet, as 50ms", "jitter": "the delay varies by up to this, either way",
		"loss": "per cent of packets dropped, as 1%", "duplicate": "per cent of packets sent twice",
		"reorder": "per cent of packets sent at once, ahead of the delayed others", "corrupt": "per cent of packets with a bit flipped",
		"rate": "the most the interface sends, as 10mbit",
	}
	for _, name := range topology.ShapeSettings {
		lf.values[name] = cmd.Flags().String(name, "", help[name])
	}
	cmd.Flags().BoolVar(&lf.clear, "clear", false, "take the interface's shaping away")
	return cmd, lf
}

// request reads lvslab link's target and flags.
func (lf *linkFlags) request(cmd *cobra.Command, target string) (labs.LinkRequest, error) {
	host, ifname, err := lab.ParseTarget(target)
	req := labs.LinkRequest{Host: host, Interface: ifname, Set: lf.clear}
	if err != nil {
		return req, err
	}
	for _, name := range topology.ShapeSettings {
		if !cmd.Flags().Changed(name) {
			continue
		}
		if lf.clear {
			return req, errors.New("--clear takes the shaping away: give it alone, or the settings alone")
		}
		if err := req.Shape.Set(name, *lf.values[name]); err != nil {
			return req, err
		}
		req.Set = true
	}
	if !req.Set || lf.clear {
		return req, nil
	}
	if err := req.Shape.Check(); err != nil {
		return req, err
	}
	if req.Shape.IsZero() {
		return req, errors.New("every setting given is zero: use --clear to take the shaping away")
	}
	return req, nil
}
