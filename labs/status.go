package labs

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lvslab/lvslab/assert"
	"github.com/lvslab/lvslab/bars"
	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/realserver"
	"github.com/lvslab/lvslab/topology"
	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// WriteStatus shows the lab: since when it is up and from which topology, any problem (it then reports
// false), each host's interfaces and servers with what they have served, and the director's table with
// each service's connections so far against its weights, as bars in style.
func (n Native) WriteStatus(ctx context.Context, w io.Writer, style bars.Style) (healthy bool) {
	l := n.Lab
	st := l.State()
	fmt.Fprintf(w, "lab %s: up since %s (%s ago), from %s\n", l.Name, st.Created.Local().Format(time.DateTime),
		time.Since(st.Created).Round(time.Second), l.Topology.Source)
	problems := l.Problems()
	for _, p := range problems {
		fmt.Fprintln(w, "  problem:", p)
	}
	stats, _ := l.ServerStats(ctx)
	fmt.Fprintln(w)
	n.WriteHosts(w, stats)
	writeIPVS(w, l, style)
	return len(problems) == 0
}

// WriteHosts prints one line per host interface: namespace, addresses, gateway, server and its counts
// (stats, nil for none).
func (n Native) WriteHosts(w io.Writer, stats map[string]realserver.Stats) {
	l := n.Lab
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
				counts[t.NameOf(d.Addr)] = int(ds.Conns)
			}
		}
		fmt.Fprintf(w, "\n%s, %s: connections so far (IPVS Conns) against the weights' shares:\n", s.ServiceKey, s.Scheduler)
		bars.Write(w, assert.WeightShares(s, t.NameOf, counts), style)
	}
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
