package scenarios

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
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
	// Sysctls are the director's lab.SchedulingSysctls when the scenario ended.
	Sysctls map[string]string
}

// PhaseOutcome holds one phase's verdicts and the load it measured.
type PhaseOutcome struct {
	Verdicts assert.Verdicts
	Load     *loadgen.Result
	Steps    []string // what each step did, where in the load: "after 50 connections: rs1's server: stopped"
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
		sysctls, err := l.DirectorSysctls()
		out.Sysctls = sysctls
		if err != nil {
			out.Err = errors.Join(out.Err, err)
		}
		if err := l.Down(context.WithoutCancel(ctx)); err != nil {
			out.Err = errors.Join(out.Err, err)
		}
	}()
	r := &runner{ctx: ctx, l: l, sc: sc, pred: &predictor{topo: t}, topo: t}
	for i, p := range sc.Phases {
		po, err := r.phase(i, p)
		if err != nil {
			if len(po.Steps) > 0 {
				out.Phases = append(out.Phases, po) // what it did before it failed
			}
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
		rules := slices.Clone(p.Rules)
		for _, st := range p.Steps {
			rules = append(rules, st.Rules...)
		}
		for _, c := range rules {
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
	ctx       context.Context
	l         *lab.Lab
	sc        *Scenario
	pred      *predictor
	sources   map[string][]netip.Addr // per host, its own address first
	topo      *topology.Topology
	rules     []ipvsadm.Command // every rule applied so far
	lastPorts []uint16          // the local ports of the last phase's connections, in order
	// lastFailed is how many of its TCP connections failed before they were up: their ports are not in
	// lastPorts.
	lastFailed int
	// attributed is how many connections the director sent to each real server in the phases so far.
	attributed map[string]int
}

// setUp brings the director to the phase's start: its rules (the first phase's are the lab's own), IPVS
// timeouts and sysctls, and the connection table emptied when the phase waits for that.
func (r *runner) setUp(i int, p *Phase) error {
	for _, c := range p.Rules {
		if i > 0 {
			if err := r.l.ApplyRule(r.ctx, c); err != nil {
				return err
			}
		}
		r.pred.apply(c)
		r.rules = append(r.rules, c)
	}
	if t := p.Timeouts; t != (Timeouts{}) {
		sec := func(n int) time.Duration { return time.Duration(n) * time.Second }
		if err := r.l.SetTimeouts(sec(t.TCP), sec(t.TCPFin), sec(t.UDP)); err != nil {
			return err
		}
	}
	for _, c := range p.Sysctls {
		if err := r.l.SetDirectorSysctl(c); err != nil {
			return err
		}
	}
	if p.AwaitExpiry {
		if err := r.l.AwaitEmptyConnectionTable(r.ctx, 3*time.Minute); err != nil {
			return fmt.Errorf("waiting for the connection entries to expire: %w", err)
		}
	}
	return nil
}

func (r *runner) phase(i int, p *Phase) (PhaseOutcome, error) {
	if err := r.setUp(i, p); err != nil {
		return PhaseOutcome{}, err
	}
	sources, err := r.clientAddrs(p.Load.From, p.Load.Sources)
	if err != nil {
		return PhaseOutcome{}, err
	}
	url := p.Load.URL
	if url == "" {
		if url, err = firstServiceURL(r.l, p.Load); err != nil {
			return PhaseOutcome{}, err
		}
	}
	table, err := r.l.IPVS()
	if err != nil {
		return PhaseOutcome{}, err
	}
	// What is counted comes from sources exact the moment the load ends: the load generator's record of
	// each connection, the servers' counts, the director's connection table and IPVS's per-CPU counters
	// (its netlink totals would mean waiting up to two seconds for the estimator).
	totalsBefore, err := r.l.IPVSTotals()
	if err != nil {
		return PhaseOutcome{}, err
	}
	serversBefore, err := r.l.ServerStats(r.ctx)
	if err != nil {
		return PhaseOutcome{}, err
	}
	o := loadgen.Options{URL: url, Requests: p.Load.Connections, Concurrency: p.Load.Concurrency, Hold: p.Load.Hold, Reset: p.Load.Reset,
		Datagrams: p.Load.Datagrams, Sequence: true, KeepAlive: p.Load.KeepAlive, Timeout: p.Load.Timeout}
	if len(sources) > 1 {
		o.Sources = sources
	}
	if p.Load.ReusePorts {
		if r.lastFailed > 0 || len(r.lastPorts) < p.Load.Connections {
			return PhaseOutcome{}, fmt.Errorf("load.reuse_ports: the phase before made %d connections, %d of them failed, and %d are asked for: its ports are not known in their places",
				len(r.lastPorts), r.lastFailed, p.Load.Connections)
		}
		o.LocalPorts = r.lastPorts[:p.Load.Connections]
	}
	st := &stepper{r: r, steps: p.Steps}
	o.Pauses, o.Pause = st.pauses(), st.pause
	finishTimed := st.timed(r.ctx)
	res, err := hostload.Run(r.ctx, r.l, p.Load.From, o, nil)
	if terr := finishTimed(); err == nil {
		err = terr
	}
	if err == nil && len(st.done) < len(p.Steps) {
		err = fmt.Errorf("%d of the phase's %d steps were done: the load stopped first (at its time limit: %v)", len(st.done), len(p.Steps), res.TimeLimitReached)
	}
	if err != nil {
		return PhaseOutcome{Steps: st.done}, err
	}
	serversAfter, err := r.l.ServerStats(r.ctx)
	if err != nil {
		return PhaseOutcome{}, err
	}
	totalsAfter, err := r.l.IPVSTotals()
	if err != nil {
		return PhaseOutcome{}, err
	}
	conns, err := r.l.Conns()
	if err != nil {
		return PhaseOutcome{}, err
	}
	counters := totalsAfter.Minus(totalsBefore)
	m := measure(p.Load, res, serversBefore, serversAfter, onePacket(r.l.Topology, table, p.Load, url))
	m.ipvs = int(counters.Conns)
	byPort := byClient(conns, p.Load.ipvsProtocol(), url)
	if err := r.attribute(&m, res, byPort, totalsAfter.Conns); err != nil {
		return PhaseOutcome{}, err
	}
	r.lastPorts, r.lastFailed = r.lastPorts[:0], 0
	for _, l := range res.Locals {
		r.lastPorts = append(r.lastPorts, l.Port())
	}
	for _, f := range res.Failed {
		if p.Load.Protocol == ProtocolTCP && !f.Kept && f.Server == "" {
			r.lastFailed++ // never established, so not among the Locals (a UDP socket is, once open)
		}
	}
	failed, got := failuresOf(res, byPort, r.hostName), res.Sequence
	if p.Load.Protocol == ProtocolTCP {
		got = timeline(res, failed)
	}
	vs := r.verdicts(p, res, got, failed, sources, m)
	if p.Expect.DirectReturn {
		vs = append(vs, directReturn(counters, res.Connections))
	}
	if !p.Expect.Model {
		r.pred.skipSteps(p.Steps)
	}
	return PhaseOutcome{Load: res, Verdicts: vs, Steps: st.done}, nil
}

// verdicts checks a phase's expectations; got is the server of each connection (of each datagram under
// UDP), a failed one marked with its cause, and failed what failed, kept connections' requests included.
func (r *runner) verdicts(p *Phase, res *loadgen.Result, got []string, failed []failure, sources []netip.Addr, m measured) assert.Verdicts {
	e := p.Expect
	var vs assert.Verdicts
	if len(e.Failures) > 0 {
		vs = append(vs, failuresVerdict(e.Failures, failed, res.Requests))
	} else if n := res.Failures.Total(); n > 0 {
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
			vs = append(vs, assert.Sequence(want, got))
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
		n := res.Connections
		if p.Load.Protocol == ProtocolTCP {
			n = len(got) // failed connections too, which were never established
		}
		predicted, err := r.pred.predict(inTurn(sources, n), p.Load.Hold, r.pred.stepsAt(p.Steps))
		if err == nil && m.onePacket {
			err = errors.New("the model does not follow one-packet scheduling (-o), which schedules every datagram on its own; expect a sequence instead")
		}
		predicted = perDatagram(predicted, p.Load)
		if err != nil {
			vs = append(vs, assert.Verdict{Name: "model", Summary: err.Error(), Err: err})
		} else {
			v := assert.Sequence(predicted, got)
			v.Name = "model"
			vs = append(vs, v)
		}
	}
	if e.ModelShares > 0 {
		times := map[string]time.Duration{}
		for s, c := range res.PerServer {
			times[s] = c.Latency
		}
		vs = append(vs, r.modelShares(e.ModelShares, inTurn(sources, res.Connections), p.Load.Concurrency, times, m.split))
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
		vs = append(vs, assert.Conservation(assert.Counted{Sent: m.sent, Servers: m.seen, Director: m.director, DirectorFrom: m.directorFrom, IPVS: m.ipvs, Reused: m.reused}))
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

// attribute finds the real server of each of the phase's connections in the director's connection
// table, and where the table cannot account for them all, in IPVS's per-server Conns counters: read once,
// when the kernel's estimator has folded in all ipvsTotal connections IPVS counted since the lab began
// (up to two seconds), less what the earlier phases sent to each server.
func (r *runner) attribute(m *measured, res *loadgen.Result, table clientTable, ipvsTotal uint64) error {
	per, complete := inTable(table, res.Locals, r.hostName)
	m.reused = reusedLocals(res.Locals)
	m.director, m.directorFrom = per, "director's table"
	if !complete || m.onePacket {
		snap, err := r.l.IPVSCounted(r.ctx, int(ipvsTotal))
		if err != nil {
			return err
		}
		m.director, m.directorFrom = map[string]int{}, "IPVS Conns"
		for _, st := range snap.Stats {
			for addr, d := range st.Dests {
				m.director[r.hostName(addr.Addr())] += int(d.Conns)
			}
		}
		for host, n := range r.attributed {
			m.director[host] -= n
		}
		for host, n := range m.director {
			if n == 0 {
				delete(m.director, host)
			}
		}
	}
	if r.attributed == nil {
		r.attributed = map[string]int{}
	}
	for host, n := range m.director {
		r.attributed[host] += n
	}
	return nil
}

// hostName is the name of the lab's host with this address, or the address.
func (r *runner) hostName(a netip.Addr) string {
	if h, _ := r.l.Topology.HostByAddr(a); h != nil {
		return h.Name
	}
	return a.String()
}

// directReturn checks that no reply passed the director: with direct routing and tunnelling the real
// servers answer the client themselves, so IPVS counts packets in and none out.
func directReturn(c ipvsadm.Counters, conns int) assert.Verdict {
	v := assert.Verdict{Name: "direct return", Pass: c.OutPkts == 0 && c.InPkts > 0}
	v.Summary = fmt.Sprintf("over %d connections the director forwarded %d packets from the client and %d replies", conns, c.InPkts, c.OutPkts)
	if !v.Pass {
		v.Detail = "want 0 replies through the director: the real servers answer the client straight from the VIP"
	}
	return v
}

// firstServiceURL is the URL of the lab's first virtual service of the load's protocol.
func firstServiceURL(l *lab.Lab, load Load) (string, error) {
	if u := l.Topology.FirstServiceURL(load.ipvsProtocol()); u != "" {
		return u, nil
	}
	return "", fmt.Errorf("no %s virtual service to send to; give load.url", strings.ToUpper(load.Protocol))
}

// ipvsProtocol is the load's protocol as the director's table names it.
func (l Load) ipvsProtocol() ipvsadm.Protocol {
	if l.Protocol == ProtocolUDP {
		return ipvsadm.UDP
	}
	return ipvsadm.TCP
}
