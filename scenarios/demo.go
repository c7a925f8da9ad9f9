package scenarios

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lvslab/lvslab/assert"
	"github.com/lvslab/lvslab/bars"
	"github.com/lvslab/lvslab/hostload"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/loadgen"
	"github.com/lvslab/lvslab/topology"
	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// The walkthrough's steps, as the LVS NAT tutorial types them: a round-robin
// service over three real servers, then rs3 removed and the service switched to wrr with weights 3 and 1.
var (
	walkthroughVIP   = "http://192.168.0.75/"
	walkthroughFirst = []string{
		"-A -t 192.168.0.75:80 -s rr",
		"-a -t 192.168.0.75:80 -r 172.16.0.45 -m",
		"-a -t 192.168.0.75:80 -r 172.16.0.55 -m",
		"-a -t 192.168.0.75:80 -r 172.16.0.65 -m",
	}
	walkthroughToWRR = []string{
		"-d -t 192.168.0.75:80 -r 172.16.0.65:80",
		"-E -t 192.168.0.75:80 -s wrr",
		"-e -t 192.168.0.75:80 -r 172.16.0.45 -m -w 3",
		"-e -t 192.168.0.75:80 -r 172.16.0.55:80 -m -w 1",
	}
)

// DemoOptions shape the walkthrough's load; zero values are the tutorial's ab -n 10000 -c 100.
type DemoOptions struct {
	Name        string // lab name; default "lvslab-demo"
	Requests    int
	Concurrency int
	Progress    io.Writer // a terminal for the progress bar, or nil
	Bars        bars.Style
}

// ErrDemoFailed is returned when the lab worked but the split was not what wrr promises.
var ErrDemoFailed = errors.New("the walkthrough's expectation failed")

// Demo replays the NAT walkthrough on this kernel, narrating each step on w: it brings the lab up,
// programs the tutorial's rules, shows rr at work, switches to wrr 3:1 as the tutorial does, runs the
// tutorial's ab load from the client and checks the split three ways (the servers, the load generator,
// IPVS's own counters). It takes the lab down at the end, whatever happened.
func Demo(ctx context.Context, w io.Writer, o DemoOptions) (err error) {
	o.Name = cmp.Or(o.Name, "lvslab-demo")
	o.Requests = cmp.Or(o.Requests, 10000)
	o.Concurrency = cmp.Or(o.Concurrency, 100)
	t, err := walkthroughTopology()
	if err != nil {
		return err
	}
	d := &demo{ctx: ctx, w: w, o: o}
	start := time.Now()
	d.step("1. The lab: a client, a director with VIP 192.168.0.75, three real servers behind it")
	l, err := lab.Up(ctx, t, lab.Options{Name: o.Name})
	if err != nil {
		return err
	}
	d.l = l
	defer func() {
		if derr := l.Down(context.WithoutCancel(ctx)); derr != nil {
			err = errors.Join(err, derr)
		}
	}()
	fmt.Fprintf(w, "lab %s up in %v: namespaces %s-client, -director, -rs1, -rs2, -rs3\n", l.Name, time.Since(start).Round(time.Millisecond), l.Name)
	return d.run()
}

type demo struct {
	sent int // connections made so far
	ctx  context.Context
	w    io.Writer
	o    DemoOptions
	l    *lab.Lab
}

func (d *demo) run() error {
	d.step("2. On the director: a round-robin service over rs1, rs2 and rs3 (NAT, -m)")
	for _, r := range walkthroughFirst {
		fmt.Fprintf(d.w, "# ipvsadm %s\n", r)
	}
	if err := d.list(); err != nil {
		return err
	}

	d.step("3. From the client, six requests in a row: rr hands them to each real server in turn")
	seq, err := hostload.Run(d.ctx, d.l, "client", loadgen.Options{URL: walkthroughVIP, Requests: 6, Sequence: true}, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(d.w, "# for i in 1 2 3 4 5 6; do curl -s %s; done\n", walkthroughVIP)
	for _, s := range seq.Sequence {
		body := s
		if h := d.l.Topology.Host(s); h != nil && h.HTTP != nil {
			body = strings.TrimSpace(h.HTTP.Body)
		}
		fmt.Fprintf(d.w, "%-16s (%s)\n", body, s)
	}
	d.sent += seq.Connections
	if n := distinct(seq.Sequence); n != 3 || seq.Completed != 6 {
		return fmt.Errorf("%w: six requests under rr reached %d real servers (%v), want all 3", ErrDemoFailed, n, seq.Sequence)
	}

	d.step("4. As the tutorial does: drop rs3, switch to wrr, weights 3 (rs1) and 1 (rs2)")
	for _, r := range walkthroughToWRR {
		c, err := ipvsadm.ParseRule(r)
		if err != nil {
			return err
		}
		fmt.Fprintf(d.w, "# ipvsadm %s\n", r)
		if err := d.l.ApplyRule(d.ctx, c); err != nil {
			return err
		}
	}
	if err := d.list(); err != nil {
		return err
	}
	return d.loadAndCheck()
}

func (d *demo) loadAndCheck() error {
	d.step(fmt.Sprintf("5. From the client: ab -n %d -c %d %s", d.o.Requests, d.o.Concurrency, walkthroughVIP))
	key := ipvsadm.ServiceKey{Protocol: ipvsadm.TCP, Addr: netip.MustParseAddrPort("192.168.0.75:80")}
	ipvsBefore, err := d.l.IPVSCounted(d.ctx, d.sent)
	if err != nil {
		return err
	}
	serversBefore, err := d.l.ServerStats(d.ctx)
	if err != nil {
		return err
	}
	res, err := hostload.Run(d.ctx, d.l, "client", loadgen.Options{URL: walkthroughVIP, Requests: d.o.Requests, Concurrency: d.o.Concurrency}, d.o.Progress)
	if err != nil {
		return err
	}
	fmt.Fprintf(d.w, "%d requests in %.2f s (%.0f/s), %d failed, latency p50 %.1f ms p99 %.1f ms\n", res.Requests,
		res.Duration.Seconds(), res.RequestsPerSecond, res.Failures.Total(), ms(res.Latency.P50), ms(res.Latency.P99))
	serversAfter, err := d.l.ServerStats(d.ctx)
	if err != nil {
		return err
	}
	ipvsAfter, err := d.l.IPVSCounted(d.ctx, d.sent+res.Connections)
	if err != nil {
		return err
	}

	d.step("6. Who served what")
	rows := []splitRow{
		{host: "rs1", dest: netip.MustParseAddrPort("172.16.0.45:80"), weight: 3},
		{host: "rs2", dest: netip.MustParseAddrPort("172.16.0.55:80"), weight: 1},
	}
	for i := range rows {
		r := &rows[i]
		r.expected = d.o.Requests * r.weight / 4
		r.server = int(serversAfter[r.host].Connections - serversBefore[r.host].Connections)
		if c := res.PerServer[r.host]; c != nil {
			r.loadgen = c.Connections
		}
		r.ipvs = int(destConns(ipvsAfter, key, r.dest) - destConns(ipvsBefore, key, r.dest))
	}
	writeSplit(d.w, rows)
	if d.o.Bars != bars.None {
		fmt.Fprintf(d.w, "\nConnections each real server saw, against wrr's promise (%d/%d of %d, within one):\n", rows[0].expected, rows[1].expected, d.o.Requests)
		bars.Write(d.w, splitShares(rows), d.o.Bars)
	}
	fmt.Fprintln(d.w, "\n# ipvsadm -L -n --stats")
	if err := ipvsAfter.WriteStats(d.w); err != nil {
		return err
	}
	return verdict(d.w, rows, res)
}

func destConns(s *ipvsadm.Snapshot, key ipvsadm.ServiceKey, dest netip.AddrPort) uint64 {
	if st := s.Stats[key]; st != nil {
		if ds := st.Dests[dest]; ds != nil {
			return ds.Conns
		}
	}
	return 0
}

type splitRow struct {
	host                            string
	dest                            netip.AddrPort
	weight                          int
	expected, server, loadgen, ipvs int
}

func writeSplit(w io.Writer, rows []splitRow) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "server\treal server\tweight\texpected\tseen by server\tload generator\tIPVS Conns\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t\n", r.host, r.dest, r.weight, r.expected, r.server, r.loadgen, r.ipvs)
	}
	tw.Flush()
}

// splitShares are the servers' own counts against wrr's promise, within one.
func splitShares(rows []splitRow) []assert.Share {
	var out []assert.Share
	for _, r := range rows {
		out = append(out, assert.Share{Server: r.host, Expected: float64(r.expected), Observed: r.server,
			Lo: max(0, r.expected-1), Hi: r.expected + 1, Ranged: true})
	}
	return out
}

// verdict checks the split: wrr is exact, so every count must be within one of its weight's share.
func verdict(w io.Writer, rows []splitRow, res *loadgen.Result) error {
	var problems []string
	if n := res.Failures.Total(); n > 0 {
		problems = append(problems, fmt.Sprintf("%d requests failed (%s)", n, res.Failures.Example))
	}
	for _, r := range rows {
		for _, c := range []struct {
			what string
			got  int
		}{{"the server", r.server}, {"the load generator", r.loadgen}, {"IPVS", r.ipvs}} {
			if abs(c.got-r.expected) > 1 {
				problems = append(problems, fmt.Sprintf("%s: %s counted %d connections, wrr promises %d", r.host, c.what, c.got, r.expected))
			}
		}
	}
	if len(problems) > 0 {
		fmt.Fprintf(w, "\nFAIL: %s\n", strings.Join(problems, "; "))
		return fmt.Errorf("%w: %s", ErrDemoFailed, strings.Join(problems, "; "))
	}
	fmt.Fprintf(w, "\nPASS: rs1:rs2 = %d:%d, the 3:1 split wrr promises (within ±1), counted alike by the servers, the load generator and IPVS\n",
		rows[0].server, rows[1].server)
	return nil
}

func (d *demo) step(title string) { fmt.Fprintf(d.w, "\n== %s\n", title) }

func (d *demo) list() error {
	snap, err := d.l.IPVS()
	if err != nil {
		return err
	}
	fmt.Fprintln(d.w, "# ipvsadm -L -n")
	return snap.WriteList(d.w)
}

// walkthroughTopology is the embedded NAT walkthrough with the tutorial's first rules in place of its
// final ones.
func walkthroughTopology() (*topology.Topology, error) {
	t := topology.Default()
	var table ipvsadm.Table
	for _, r := range walkthroughFirst {
		c, err := ipvsadm.ParseRule(r)
		if err != nil {
			return nil, err
		}
		if err := table.Apply(c); err != nil {
			return nil, err
		}
	}
	t.IPVS.Services = table.Services
	return t, nil
}

func distinct(s []string) int {
	seen := map[string]bool{}
	for _, x := range s {
		seen[x] = true
	}
	return len(seen)
}

func abs(n int) int { return max(n, -n) }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
