package scenarios

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/lvslab/lvslab/ipvsnl"

	"github.com/lvslab/lvslab/hostload"

	"github.com/lvslab/lvslab/assert"
	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/loadgen"
	"github.com/lvslab/lvslab/topology"
	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// Outcome is what running a scenario came to.
type Outcome struct {
	Scenario *Scenario
	Phases   []PhaseOutcome
	Duration time.Duration
	// Err says the scenario could not be run to a verdict: the lab did not come up, a rule was refused,
	// the load could not start. Its expectations are then neither passed nor failed.
	Err error
	// Skipped says why the scenario did not run: this kernel lacks one of its schedulers.
	Skipped string
}

// PhaseOutcome holds one phase's verdicts and the load it measured.
type PhaseOutcome struct {
	Verdicts assert.Verdicts
	Load     *loadgen.Result
}

// Pass reports whether every expectation of every phase held.
func (o *Outcome) Pass() bool {
	if o.Err != nil || len(o.Phases) == 0 {
		return false
	}
	for _, p := range o.Phases {
		if !p.Verdicts.Pass() {
			return false
		}
	}
	return true
}

// RunOptions say where a scenario's lab goes.
type RunOptions struct {
	LabName  string // default "t-" + scenario name
	StateDir string // default lab.StateDir()
}

// Run runs a scenario in a lab of its own, so that no connection entry of an earlier scenario biases the
// schedulers (IPVS connection entries outlive ipvsadm -C and would bias lc and wlc), and takes the lab down after.
func Run(ctx context.Context, sc *Scenario, o RunOptions) (out *Outcome) {
	start := time.Now()
	out = &Outcome{Scenario: sc}
	defer func() { out.Duration = time.Since(start) }()
	t, err := firstTable(sc)
	if err != nil {
		out.Err = err
		return out
	}
	for _, sched := range schedulers(sc) {
		if err := ipvsnl.CheckScheduler(sched); errors.Is(err, ipvsnl.ErrNoScheduler) {
			out.Skipped = err.Error()
			return out
		}
	}
	name := o.LabName
	if name == "" {
		name = labName(sc.Name)
	}
	l, err := lab.Up(ctx, t, lab.Options{Name: name, StateDir: o.StateDir})
	if err != nil {
		out.Err = err
		return out
	}
	defer func() {
		if err := l.Down(context.WithoutCancel(ctx)); err != nil {
			out.Err = errors.Join(out.Err, err)
		}
	}()
	r := &runner{ctx: ctx, l: l, sc: sc, pred: &predictor{topo: t}, topo: t}
	for i, p := range sc.Phases {
		po, err := r.phase(i, p)
		if err != nil {
			out.Err = fmt.Errorf("phase %d: %w", i+1, err)
			return out
		}
		out.Phases = append(out.Phases, po)
	}
	return out
}

// schedulers lists the schedulers a scenario's rules use.
func schedulers(sc *Scenario) []string {
	var out []string
	for _, p := range sc.Phases {
		for _, c := range p.Rules {
			if c.Op == ipvsadm.OpAddService || c.Op == ipvsadm.OpEditService {
				out = append(out, c.Service.Scheduler)
			}
		}
	}
	return out
}

// labName keeps namespace names short: "t-" and at most 20 characters of the scenario's name.
func labName(s string) string {
	if len(s) > 20 {
		s = s[:20]
	}
	return "t-" + s
}

// firstTable is the scenario's topology with the first phase's rules as the director's table.
func firstTable(sc *Scenario) (*topology.Topology, error) {
	t := *sc.Topology
	ipvs := *t.IPVS
	var table ipvsadm.Table
	for _, c := range sc.Phases[0].Rules {
		if err := table.Apply(c); err != nil {
			return nil, fmt.Errorf("rule %s: %w", c, err)
		}
	}
	ipvs.Services = table.Services
	t.IPVS = &ipvs
	return &t, nil
}

type runner struct {
	ctx     context.Context
	l       *lab.Lab
	sc      *Scenario
	pred    *predictor
	sources map[string][]netip.Addr // per host, its own address first
	sent    int                     // connections made so far, in every phase
	topo    *topology.Topology
	rules   []ipvsadm.Command // every rule applied so far
}

func (r *runner) phase(i int, p *Phase) (PhaseOutcome, error) {
	for _, c := range p.Rules {
		if i > 0 {
			if err := r.l.ApplyRule(r.ctx, c); err != nil {
				return PhaseOutcome{}, err
			}
		}
		r.pred.apply(c)
		r.rules = append(r.rules, c)
	}
	if t := p.Timeouts; t != (Timeouts{}) {
		sec := func(n int) time.Duration { return time.Duration(n) * time.Second }
		if err := r.l.SetTimeouts(sec(t.TCP), sec(t.TCPFin), sec(t.UDP)); err != nil {
			return PhaseOutcome{}, err
		}
	}
	if p.AwaitExpiry {
		if err := r.l.AwaitEmptyConnectionTable(r.ctx, 3*time.Minute); err != nil {
			return PhaseOutcome{}, fmt.Errorf("waiting for the connection entries to expire: %w", err)
		}
	}
	sources, err := r.clientAddrs(p.Load.From, p.Load.Sources)
	if err != nil {
		return PhaseOutcome{}, err
	}
	url := p.Load.URL
	if url == "" {
		if url, err = firstServiceURL(r.l, p.Load.Protocol); err != nil {
			return PhaseOutcome{}, err
		}
	}
	ipvsBefore, err := r.l.IPVSCounted(r.ctx, r.sent)
	if err != nil {
		return PhaseOutcome{}, err
	}
	serversBefore, err := r.l.ServerStats(r.ctx)
	if err != nil {
		return PhaseOutcome{}, err
	}
	o := loadgen.Options{URL: url, Requests: p.Load.Connections, Concurrency: p.Load.Concurrency, Hold: p.Load.Hold, Reset: p.Load.Reset,
		Datagrams: p.Load.Datagrams, Sequence: true}
	if len(sources) > 1 {
		o.Sources = sources
	}
	res, err := hostload.Run(r.ctx, r.l, p.Load.From, o, nil)
	if err != nil {
		return PhaseOutcome{}, err
	}
	serversAfter, err := r.l.ServerStats(r.ctx)
	if err != nil {
		return PhaseOutcome{}, err
	}
	m := measure(p.Load, res, serversBefore, serversAfter, onePacket(ipvsBefore, p.Load, url))
	r.sent += m.sent
	ipvsAfter, err := r.l.IPVSCounted(r.ctx, r.sent)
	if err != nil {
		return PhaseOutcome{}, err
	}
	m.ipvs = r.ipvsConns(ipvsBefore, ipvsAfter)
	vs := r.verdicts(p, res, sources, m)
	if p.Expect.DirectReturn {
		vs = append(vs, directReturn(ipvsBefore, ipvsAfter, res.Connections))
	}
	return PhaseOutcome{Load: res, Verdicts: vs}, nil
}

func (r *runner) verdicts(p *Phase, res *loadgen.Result, sources []netip.Addr, m measured) assert.Verdicts {
	e := p.Expect
	var vs assert.Verdicts
	if n := res.Failures.Total(); n > 0 {
		what := "connections"
		if p.Load.Protocol == ProtocolUDP {
			what = "datagrams"
		}
		vs = append(vs, assert.Verdict{Name: "load", Summary: fmt.Sprintf("%d of %d %s failed: %s", n, res.Requests, what, res.Failures.Example)})
	}
	if e.Sequence != "" {
		want, err := assert.ParseSeq(e.Sequence, MaxUnits) // Parse checked it against the load
		if err != nil {
			vs = append(vs, assert.Verdict{Name: "sequence", Summary: "expect.sequence: " + err.Error(), Err: err})
		} else {
			vs = append(vs, assert.Sequence(want, res.Sequence))
		}
	}
	if len(e.Split) > 0 {
		weights := map[string]float64{}
		for s, w := range e.Split {
			weights[s] = float64(w)
		}
		if e.Exact {
			vs = append(vs, assert.ProportionsWithin(weights, m.split, 1))
		} else {
			vs = append(vs, assert.Proportions(weights, m.split, 0))
		}
	}
	if e.Affinity {
		var pairs []assert.Pair
		for i, s := range res.Sequence {
			pairs = append(pairs, assert.Pair{Client: res.Clients[i], Server: s})
		}
		vs = append(vs, assert.Affinity(pairs))
	}
	if e.Model {
		predicted, err := r.pred.predict(inTurn(sources, res.Connections), p.Load.Hold)
		if err == nil && m.onePacket {
			err = errors.New("the model does not follow one-packet scheduling (-o), which schedules every datagram on its own; expect a sequence instead")
		}
		predicted = perDatagram(predicted, p.Load)
		if err != nil {
			vs = append(vs, assert.Verdict{Name: "model", Summary: err.Error(), Err: err})
		} else {
			v := assert.Sequence(predicted, res.Sequence)
			v.Name = "model"
			vs = append(vs, v)
		}
	}
	if e.Distribution {
		if shares, err := simulatedShares(r.topo, r.rules, inTurn(sources, res.Connections), p.Load.Hold, 200); err != nil {
			vs = append(vs, assert.Verdict{Name: "distribution", Summary: err.Error(), Err: err})
		} else {
			v := assert.Proportions(shares, m.seen, 0)
			v.Name = "distribution (the model's shares over 200 simulated runs)"
			vs = append(vs, v)
		}
	}
	if e.Conservation == nil || *e.Conservation {
		vs = append(vs, assert.Conservation(m.sent, m.seen, m.ipvs))
	}
	return vs
}

// inTurn is the client address of each of n connections: the load generator dials from the sources in turn.
func inTurn(sources []netip.Addr, n int) []netip.Addr {
	clients := make([]netip.Addr, n)
	for i := range clients {
		clients[i] = sources[i%len(sources)]
	}
	return clients
}

// clientAddrs gives host n addresses to send from: its own, and more added once when asked.
func (r *runner) clientAddrs(host string, n int) ([]netip.Addr, error) {
	if r.sources == nil {
		r.sources = map[string][]netip.Addr{}
	}
	have := r.sources[host]
	if len(have) == 0 {
		h := r.l.Topology.Host(host)
		have = []netip.Addr{h.Interfaces[0].Address.Addr()}
	}
	if len(have) < n {
		more, err := r.l.AddAddresses(host, n-len(have))
		if err != nil {
			return nil, err
		}
		have = append(have, more...)
	}
	r.sources[host] = have
	return have[:n], nil
}

// ipvsConns is how many connections IPVS counted per real server between two snapshots, by host name.
func (r *runner) ipvsConns(before, after *ipvsadm.Snapshot) map[string]int {
	out := map[string]int{}
	for key, st := range after.Stats {
		for addr, d := range st.Dests {
			n := d.Conns
			if b := before.Stats[key]; b != nil && b.Dests[addr] != nil {
				n -= b.Dests[addr].Conns
			}
			if n == 0 {
				continue
			}
			name := addr.String()
			if h, _ := r.l.Topology.HostByAddr(addr.Addr()); h != nil {
				name = h.Name
			}
			out[name] += int(n)
		}
	}
	return out
}

// directReturn checks that no reply passed the director: with direct routing and tunnelling the real
// servers answer the client themselves, so IPVS counts packets in and none out.
func directReturn(before, after *ipvsadm.Snapshot, conns int) assert.Verdict {
	var in, out uint64
	for key, st := range after.Stats {
		in += st.InPkts
		out += st.OutPkts
		if b := before.Stats[key]; b != nil {
			in -= b.InPkts
			out -= b.OutPkts
		}
	}
	v := assert.Verdict{Name: "direct return", Pass: out == 0 && in > 0}
	v.Summary = fmt.Sprintf("over %d connections the director forwarded %d packets from the client and %d replies", conns, in, out)
	if !v.Pass {
		v.Detail = "want 0 replies through the director: the real servers answer the client straight from the VIP"
	}
	return v
}

// firstServiceURL is the URL of the lab's first virtual service of the load's protocol.
func firstServiceURL(l *lab.Lab, protocol string) (string, error) {
	want, url := ipvsadm.TCP, "http://%s/"
	if protocol == ProtocolUDP {
		want, url = ipvsadm.UDP, "udp://%s"
	}
	if s := l.Topology.FirstService(want); s != nil {
		return fmt.Sprintf(url, s.Addr), nil
	}
	return "", fmt.Errorf("no %s virtual service to send to; give load.url", strings.ToUpper(protocol))
}
