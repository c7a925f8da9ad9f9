package labs

import (
	"context"
	"errors"
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
	"github.com/lvslab/lvslab/vmlab"
)

// ErrProblems is a lab on this kernel whose status listed problems (a namespace gone, its servers'
// process stopped).
var ErrProblems = errors.New("the lab has problems")

// Status shows the lab on t.Stdout as lvslab status does (WriteStatus), or with save only its director's
// table as ipvsadm -S -n prints it; a lab with problems is ErrProblems, once they are shown.
func (n Native) Status(ctx context.Context, t Terminal, style bars.Style, save bool) error {
	if save {
		snap, err := n.Lab.IPVS()
		if err != nil {
			return err
		}
		return snap.Table.Save(t.Stdout)
	}
	if !n.WriteStatus(ctx, t.Stdout, style) {
		return ErrProblems
	}
	return nil
}

// Status shows a lab that lives in a microVM: its machine, then what lvslab status says in it (with style,
// resolved here: its output there ends up on this terminal); with save, only the table. A lab still
// coming up is said to be, on t.Stderr with save (not among the rules).
func (v InVM) Status(ctx context.Context, t Terminal, style bars.Style, save bool) error {
	r := v.Record
	if r.Phase == vmlab.PhaseBooting {
		w := t.Stdout
		if save {
			w = t.Stderr
		}
		if r.Booter.Running() {
			fmt.Fprintf(w, "lab %s: coming up in a microVM (lvslab pid %d, for %v); `lvslab status %s` shows it once it is up\n",
				r.Lab, r.Booter.PID, time.Since(r.Created).Round(time.Second), r.Lab)
			if save {
				return fmt.Errorf("lab %s has no rules to save yet; run status --save again once its up has finished", r.Lab)
			}
			return nil
		}
		_, err := r.AwaitUp(ctx, io.Discard) // says why it never came up
		fmt.Fprintf(w, "%v\n", err)
		return fmt.Errorf("lab %s never came up", r.Lab)
	}
	if !save {
		fmt.Fprintf(t.Stdout, "%s\n", v.Notice())
	}
	args := []string{"status", r.Lab, "--bars=" + style.String()}
	if save {
		args = append(args, "--save")
	}
	return v.Lvslab(ctx, args, t)
}

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
	shapes, err := l.Shapes()
	if err != nil {
		fmt.Fprintln(w, "  problem: reading how links are shaped:", err)
	}
	fmt.Fprintln(w)
	n.writeHosts(w, stats, func(host string, ifc *topology.Interface) topology.Shape { return shapes[host][ifc.Name] })
	writeIPVS(w, l, style)
	return len(problems) == 0
}

// WriteHosts prints one line per host interface: namespace, addresses, gateway, server and its counts
// (stats, nil for none), and the shaping the topology gave it.
func (n Native) WriteHosts(w io.Writer, stats map[string]realserver.Stats) {
	n.writeHosts(w, stats, func(_ string, ifc *topology.Interface) topology.Shape { return ifc.Shape })
}

// writeHosts is WriteHosts with each interface's shaping given by shapeOf.
func (n Native) writeHosts(w io.Writer, stats map[string]realserver.Stats, shapeOf func(host string, ifc *topology.Interface) topology.Shape) {
	l := n.Lab
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tNAMESPACE\tINTERFACE\tADDRESS\tNETWORK\tGATEWAY\tSERVER\tSHAPING")
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
			shaping := "-"
			if sh := shapeOf(h.Name, ifc); !sh.IsZero() {
				shaping = sh.String()
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", name, ns, ifc.Name, ifc.Address, ifc.Network, gw, server, shaping)
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
		if think := h.HTTP.Think.String(); think != "" {
			p += " thinks " + think
		}
		if h.HTTP.Fail > 0 {
			p += " fails " + topology.FormatPercent(h.HTTP.Fail)
		}
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
	if counted && st.State != "" && st.State != realserver.Serving {
		parts = append(parts, strings.ToUpper(st.State)) // a fault's doing: lvslab fault
	}
	return strings.Join(parts, ", ")
}
