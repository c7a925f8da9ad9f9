package main

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lvslab/lvslab/assert"
	"github.com/lvslab/lvslab/bars"
	"github.com/lvslab/lvslab/labs"
	"github.com/lvslab/lvslab/realserver"
	"github.com/lvslab/lvslab/topology/ipvsadm"

	"github.com/spf13/cobra"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/topology"
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
				st := l.State()
				fmt.Fprintf(w, "lab %s: up since %s (%s ago), from %s\n", l.Name, st.Created.Local().Format(time.DateTime),
					time.Since(st.Created).Round(time.Second), l.Topology.Source)
				problems := l.Problems()
				for _, p := range problems {
					fmt.Fprintln(w, "  problem:", p)
				}
				if len(problems) > 0 {
					broken = append(broken, l.Name)
				}
				stats, _ := l.ServerStats(cmd.Context())
				fmt.Fprintln(w)
				writeHosts(w, l, stats)
				writeIPVS(w, l, style)
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

// writeHosts prints one line per host interface: namespace, addresses, gateway, server and its counts.
func writeHosts(w io.Writer, l *lab.Lab, stats map[string]realserver.Stats) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tNAMESPACE\tINTERFACE\tADDRESS\tNETWORK\tGATEWAY\tSERVER")
	for _, h := range l.Topology.Hosts {
		server := serverColumn(h, stats)
		gw := "-"
		if h.Gateway.IsValid() {
			gw = h.Gateway.String()
		}
		for i, ifc := range h.Interfaces {
			name, ns := h.Name, lab.NamespaceName(l.Name, h.Name)
			if i > 0 {
				name, ns, gw, server = "", "", "", ""
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", name, ns, ifc.Name, ifc.Address, ifc.Network, gw, server)
		}
	}
	tw.Flush()
}

// writeIPVS prints the director's table as ipvsadm -L -n would, or why there is none, and each service's
// connections so far against what its weights would give, as bars in style.
func writeIPVS(w io.Writer, l *lab.Lab, style bars.Style) {
	ipvs := l.Topology.IPVS
	if ipvs == nil || len(ipvs.Services) == 0 {
		return
	}
	if l.State().WithoutIPVS {
		fmt.Fprintf(w, "\nIPVS on %s: not programmed (the kernel had no IPVS when the lab came up)\n", ipvs.On)
		return
	}
	snap, err := l.IPVS()
	if err != nil {
		fmt.Fprintf(w, "\nIPVS on %s: %v\n", ipvs.On, err)
		return
	}
	fmt.Fprintf(w, "\nIPVS on %s (ipvsadm -L -n):\n", ipvs.On)
	snap.WriteList(w)
	writeConnBars(w, l.Topology, snap, style)
}

// writeConnBars draws, per service that has had connections, IPVS's count for each real server
// against its weight's share of them.
func writeConnBars(w io.Writer, t *topology.Topology, snap *ipvsadm.Snapshot, style bars.Style) {
	if style == bars.None {
		return
	}
	for _, s := range snap.Services {
		st := snap.Stats[s.ServiceKey]
		if st == nil || st.Conns == 0 {
			continue
		}
		counts := map[string]int{}
		for _, d := range s.Dests {
			if ds := st.Dests[d.Addr]; ds != nil {
				counts[hostOf(t, d.Addr)] = int(ds.Conns)
			}
		}
		fmt.Fprintf(w, "\n%s, %s: connections so far (IPVS Conns) against the weights' shares:\n", s.ServiceKey, s.Scheduler)
		bars.Write(w, assert.WeightShares(s, func(a netip.AddrPort) string { return hostOf(t, a) }, counts), style)
	}
}

// hostOf names the lab host with the address, or gives the address.
func hostOf(t *topology.Topology, a netip.AddrPort) string {
	if h, _ := t.HostByAddr(a.Addr()); h != nil {
		return h.Name
	}
	return a.String()
}

// serverColumn describes a host's servers and what they have answered: "http :80 "RS1.magedu.com" (3
// connections, 3 requests), udp :53 (2 datagrams)".
func serverColumn(h *topology.Host, stats map[string]realserver.Stats) string {
	st, counted := stats[h.Name]
	var parts []string
	if h.HTTP != nil {
		p := fmt.Sprintf("http :%d %q", h.HTTP.Port, strings.TrimSpace(h.HTTP.Body))
		if counted {
			p += fmt.Sprintf(" (%d connections, %d requests)", st.Connections, st.Requests)
		}
		parts = append(parts, p)
	}
	if h.UDP != nil {
		p := fmt.Sprintf("udp :%d", h.UDP.Port)
		if counted {
			p += fmt.Sprintf(" (%d datagrams)", st.Datagrams)
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
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
