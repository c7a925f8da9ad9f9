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

	"github.com/spf13/cobra"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/labs"
	"github.com/lvslab/lvslab/topology"
	"github.com/lvslab/lvslab/vm/kernel"
	"github.com/lvslab/lvslab/wire"
)

func newUpCommand() *cobra.Command {
	var file, name, kernelPackage string
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
Without -f, lvslab uses the NAT walkthrough. A lab that is already up is left as it is.

Where this kernel has no IPVS (--vm=auto), or with --vm=always, the lab lives in a microVM of its own
that outlives this command (Debian's kernel, under KVM where it can boot it, else TCG): exec, shell,
load, status and down reach into it, and down powers it off.`,
		Example: `  sudo lvslab up
  sudo lvslab up --vm=always --kernel-package linux-image-6.12-amd64   # in a microVM, on Linux 6.12
  sudo lvslab up -f my-lab.yaml
  sudo lvslab up -f nat-walkthrough --name lab2     # a second copy beside the first`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := loadTopology(file)
			if err != nil {
				return unusable(err)
			}
			o := lab.Options{Name: name, NoLint: noLint}
			inVM, withoutIPVS, err := upMode(cmd, t)
			if err != nil {
				return unusable(err)
			}
			if inVM {
				return upInVM(cmd, t, name, kernelPackage)
			}
			o.WithoutIPVS = withoutIPVS
			start := time.Now()
			l, err := lab.Up(cmd.Context(), t, o)
			if err != nil {
				return unusable(err)
			}
			if cmd.Context().Err() != nil { // stopped as it finished: a stopped up leaves nothing
				return unusable(errors.Join(errors.New("stopped as the lab came up; it is taken down again"), l.Down(context.WithoutCancel(cmd.Context()))))
			}
			for _, note := range l.Notes {
				fmt.Fprintln(cmd.ErrOrStderr(), "lvslab: note:", note)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "lab %s is up in %v (%s)\n\n", l.Name, time.Since(start).Round(time.Millisecond), t.Source)
			labs.Native{Lab: l}.WriteHosts(cmd.OutOrStdout(), nil)
			if from, server, ok := tryRequest(t); ok {
				fmt.Fprintf(cmd.OutOrStdout(), "\nTry: lvslab exec %s -- curl -s http://%s/\n", from, server)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "topology file, or the name of a built-in topology")
	cmd.Flags().StringVar(&name, "name", "", "lab name (default: the topology's name)")
	cmd.Flags().BoolVar(&noLint, "no-lint", false, "bring the lab up even if its real servers are not set up for their forwarding methods (to see what breaks)")
	cmd.Flags().StringVar(&kernelPackage, "kernel-package", "", "in the microVM: boot the kernel of this Debian package, e.g. linux-image-6.12-amd64 (default $"+kernel.PackageEnv+", else linux-image-<arch>: linux-image-amd64 on an amd64 guest)")
	addVMFlag(cmd)
	return cmd
}

// upInVM brings the lab up in a microVM of its own that outlives this command: up runs again there, with
// the same flags but --vm and --kernel-package.
func upInVM(cmd *cobra.Command, t *topology.Topology, name, kernelPackage string) error {
	if name == "" {
		name = t.Name
	}
	if _, err := lab.Open(name); err == nil {
		return unusable(fmt.Errorf("lab %q is already up on this kernel; use it, pick another name with --name, or run `lvslab down %s` first", name, name))
	}
	args := commandLine(cmd, nil, "vm", "kernel-package", "arch")[1:] // up's flags, for the up in the machine
	v, err := labs.UpInVM(cmd.Context(), lab.StateDir(), name, args, labs.VMOptions(vmMachine(cmd, kernelPackage), cmd.ErrOrStderr()), cmd.OutOrStdout(), cmd.ErrOrStderr())
	if err != nil {
		return labError(err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "\n%s\n", v.Notice())
	return nil
}

// upMode decides, by --vm, where up builds the lab: in a microVM that outlives the command (where this
// kernel has no IPVS and the topology asks for it, or with --vm=always), or here; with --vm=never on a
// kernel without IPVS, here without the virtual services.
func upMode(cmd *cobra.Command, t *topology.Topology) (inVM, withoutIPVS bool, err error) {
	d, err := decide(cmd, labs.Needs{IPVS: t.IPVS != nil && len(t.IPVS.Services) > 0, Root: true})
	if d.WithoutIPVS {
		fmt.Fprintln(cmd.ErrOrStderr(), "lvslab: this kernel has no IPVS, and --vm=never keeps the lab here, so it comes up without its virtual services")
	}
	return d.InVM, d.WithoutIPVS, err
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
