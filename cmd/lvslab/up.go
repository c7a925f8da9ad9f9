package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/lvslab/lvslab/ipvsnl"

	"github.com/lvslab/lvslab/wire"

	"github.com/spf13/cobra"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/topology"
)

func newUpCommand() *cobra.Command {
	var file, name string
	var noLint bool
	cmd := &cobra.Command{
		Use:   "up [-f FILE] [--name NAME]",
		Short: "Build a lab from a topology file (default: the LVS NAT walkthrough)",
		Long: `Build a lab: one network namespace per host named <lab>-<host>, a bridge per network (kept in the
lab's own <lab>-switch namespace), veth links, addresses, routes, sysctls and an HTTP server on every
host that has one. Each server answers with its body and names itself in the ` + wire.ServerHeader + ` header and
the client it saw in ` + wire.ClientHeader + ` (GET /whoami prints both).

Before any traffic, lvslab checks each real server's set-up for its forwarding method and names what is
missing (the VIP on lo and arp_ignore/arp_announce for direct routing, the VIP on tunl0 and rp_filter for
tunnelling, replies routed through the director for NAT); with ipvs: derive (the default) it sets these
up itself. --no-lint brings a lab up anyway, to see what breaks.

-f takes a topology file, or the name of a topology built into lvslab (` + strings.Join(topology.EmbeddedNames(), ", ") + `).
Without -f, lvslab uses the NAT walkthrough. A lab that is already up is left as it is.`,
		Example: `  sudo lvslab up
  sudo lvslab up -f my-lab.yaml
  sudo lvslab up -f nat-walkthrough --name lab2     # a second copy beside the first`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := loadTopology(file)
			if err != nil {
				return unusable(err)
			}
			o := lab.Options{Name: name, NoLint: noLint}
			if o.WithoutIPVS, err = upWithoutIPVS(cmd, t); err != nil {
				return unusable(err)
			}
			start := time.Now()
			l, err := lab.Up(cmd.Context(), t, o)
			if err != nil {
				return unusable(err)
			}
			if cmd.Context().Err() != nil { // stopped as it finished: a stopped up leaves nothing
				return unusable(errors.Join(errors.New("stopped as the lab came up; it is taken down again"), l.Down(context.WithoutCancel(cmd.Context()))))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "lab %s is up in %v (%s)\n\n", l.Name, time.Since(start).Round(time.Millisecond), t.Source)
			writeHosts(cmd.OutOrStdout(), l, nil)
			if from, server, ok := tryRequest(t); ok {
				fmt.Fprintf(cmd.OutOrStdout(), "\nTry: lvslab exec %s -- curl -s http://%s/\n", from, server)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "topology file, or the name of a built-in topology")
	cmd.Flags().StringVar(&name, "name", "", "lab name (default: the topology's name)")
	cmd.Flags().BoolVar(&noLint, "no-lint", false, "bring the lab up even if its real servers are not set up for their forwarding methods (to see what breaks)")
	addVMFlag(cmd)
	return cmd
}

// upWithoutIPVS decides, by --vm, what up does with a topology's IPVS rules on a kernel without IPVS. A lab
// outlives the command that built it, and the microVM does not, so up never moves into the VM: with
// --vm=auto it builds the rest of the lab and says what is missing.
func upWithoutIPVS(cmd *cobra.Command, t *topology.Topology) (bool, error) {
	if t.IPVS == nil || len(t.IPVS.Services) == 0 {
		return false, nil
	}
	mode, _ := cmd.Flags().GetString("vm")
	switch mode {
	case "never":
		return false, nil
	case "always":
		return false, errors.New("lvslab up builds a lab that outlives the command, and a microVM lives only as long as its command: " +
			"run the whole session in one, e.g. lvslab vm -- sh -c 'lvslab up && lvslab load -n 1000 && lvslab down'")
	case "auto":
	default:
		return false, fmt.Errorf("--vm=%s: want auto, always or never", mode)
	}
	if err := ipvsnl.Check(); err != nil {
		fmt.Fprintln(cmd.ErrOrStderr(), "lvslab: this kernel has no IPVS, so the lab comes up without its virtual services; "+
			"lvslab demo and lvslab test run IPVS in a microVM, and lvslab vm -- sh -c '...' runs any session there")
		return true, nil
	}
	return false, nil
}

// loadTopology reads a topology file, or a built-in topology by name; "" is the NAT walkthrough.
func loadTopology(file string) (*topology.Topology, error) {
	if file == "" {
		return topology.Default(), nil
	}
	if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) && !strings.ContainsAny(file, "/.") {
		if t, err := topology.Embedded(file); err == nil {
			return t, nil
		}
		return nil, fmt.Errorf("no topology file %s, and no built-in topology of that name (built in: %s)", file, strings.Join(topology.EmbeddedNames(), ", "))
	}
	return topology.Load(file)
}

// tryRequest picks a request a newcomer can make at once: from a host without a server to a server on
// one of its networks (the NAT walkthrough's client reaches the real servers only through IPVS).
func tryRequest(t *topology.Topology) (from, server string, ok bool) {
	for _, srv := range t.Hosts {
		if srv.HTTP == nil {
			continue
		}
		for _, h := range t.Hosts {
			if h.HTTP != nil {
				continue
			}
			for _, sifc := range srv.Interfaces {
				for _, hifc := range h.Interfaces {
					if sifc.Network == hifc.Network {
						return h.Name, urlHost(sifc.Address.Addr(), srv.HTTP.Port), true
					}
				}
			}
		}
	}
	return "", "", false
}

// urlHost is the host part of an http URL: the port only when it is not 80, an IPv6 address in brackets.
func urlHost(a netip.Addr, port uint16) string {
	if port != 80 {
		return netip.AddrPortFrom(a, port).String()
	}
	if a.Is6() {
		return "[" + a.String() + "]"
	}
	return a.String()
}
