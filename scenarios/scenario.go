package scenarios

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/lvslab/lvslab/assert"
	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/loadgen"
	"github.com/lvslab/lvslab/topology"
	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// Scenario is one check of the kernel's IPVS: a topology, the director's rules, load, and what must come
// of it, possibly in several phases (rules changed with -E, -e, -d between loads).
type Scenario struct {
	Name     string
	About    string
	Source   string // file or embedded:NAME.yaml
	Digest   string // sha256: and the file's SHA-256, in hex
	Topology *topology.Topology
	Phases   []*Phase
}

// Phase is one round: rules applied to the director, then load, then expectations. The first phase's
// rules build the table from nothing; later phases' rules change it as ipvsadm would.
type Phase struct {
	Rules    []ipvsadm.Command
	Timeouts Timeouts
	// AwaitExpiry waits, before the load, until the director's connection table is empty: every
	// connection entry and persistence template of the earlier phases has expired.
	AwaitExpiry bool
	// Sysctls are the director's lab.SettableSysctls set before the load: conn_reuse_mode=0.
	Sysctls []lab.Sysctl
	Load    Load
	// Steps happen during the load, each once a number of its connections have ended: a fault, rules
	// changed, a sysctl set. The load pauses there until they are done.
	Steps  []Step
	Expect Expect
}

// Step is one thing done during a phase's load: exactly one of Fault, Rules and Sysctl, after a number
// of the load's connections (the load paused there) or at a time into it (the load going on meanwhile).
type Step struct {
	After  int               // the load's connections ended before it
	At     time.Duration     // or: how long after the load started
	Fault  *lab.Fault        // as lvslab fault does it: "rs1 stop", "rs2 link-down"
	Rules  []ipvsadm.Command // ipvsadm commands, as a later phase's rules
	Sysctl *lab.Sysctl       // one of the director's lab.SettableSysctls
}

func (st Step) String() string {
	switch {
	case st.Fault != nil:
		return "fault " + st.Fault.String()
	case st.Sysctl != nil:
		return "sysctl " + st.Sysctl.String()
	}
	var rules []string
	for _, c := range st.Rules {
		rules = append(rules, c.String())
	}
	return "ipvsadm " + strings.Join(rules, "; ")
}

type stepYAML struct {
	After  int           `yaml:"after"`
	At     time.Duration `yaml:"at"`
	Fault  string        `yaml:"fault"`
	Rules  string        `yaml:"rules"`
	Sysctl string        `yaml:"sysctl"`
}

// Timeouts are ipvsadm --set's, in seconds; zero keeps one as it is.
type Timeouts struct {
	TCP    int `yaml:"tcp"`
	TCPFin int `yaml:"tcpfin"`
	UDP    int `yaml:"udp"`
}

// Load is what the client sends in a phase.
type Load struct {
	From string `yaml:"from"` // default "client"
	// Protocol is tcp (HTTP requests, the default) or udp (datagrams to the real servers' UDP echo
	// servers). With udp each connection is a new socket, a new source port, which IPVS schedules as a
	// connection: it sends Datagrams datagrams, which all go where its first went unless the service
	// schedules every datagram on its own (ipvsadm -o).
	Protocol    string `yaml:"protocol"`
	URL         string `yaml:"url"`         // default http://<first TCP service>/, or udp://<first UDP service>
	Connections int    `yaml:"connections"` // default 100
	Concurrency int    `yaml:"concurrency"` // default 1: connections one after another, in a known order
	Hold        bool   `yaml:"hold"`        // keep every connection open until the phase's load ends
	Reset       bool   `yaml:"reset"`       // close connections with a TCP reset (the director forgets them in 10 s) (tcp)
	Sources     int    `yaml:"sources"`     // client addresses to send from, in turn (default 1)
	Datagrams   int    `yaml:"datagrams"`   // udp: datagrams per socket, one after another (default 1)
	// KeepAlive sends the requests on kept connections, as ab -k does (tcp): Connections counts requests
	// then, and a step's after too. A kept connection that fails before its response is tried once more
	// on a new one, as ab does.
	KeepAlive bool `yaml:"keep_alive"`
	// ReusePorts sends each connection (UDP socket) from the local port the previous phase's in its place
	// came from, to meet the director's entries of those connections: what conn_reuse_mode is about, and
	// what UDP entries of a removed server do until they expire.
	ReusePorts bool `yaml:"reuse_ports"`
	// Timeout bounds each request, connecting included (default 10s): a hung server's connections fail
	// after it, counted as timeouts.
	Timeout time.Duration `yaml:"timeout"`
}

// Load protocols.
const (
	ProtocolTCP = "tcp"
	ProtocolUDP = "udp"
)

// Expect is what a phase must show. Every field is optional; conservation is checked unless turned off.
type Expect struct {
	Sequence     string         `yaml:"sequence"`      // the server of each connection: "rs1 rs2 rs1*3"
	Split        map[string]int `yaml:"split"`         // weights of the connections' split among servers (udp: of the datagrams')
	Exact        bool           `yaml:"exact"`         // the split within ±1 (deterministic schedulers)
	Affinity     bool           `yaml:"affinity"`      // each client address always reached one server
	Model        bool           `yaml:"model"`         // every connection went where the reference model says
	Conservation *bool          `yaml:"conservation"`  // sent = seen by the servers = the director's table = IPVS Conns (default on)
	DirectReturn bool           `yaml:"direct_return"` // replies bypassed the director: IPVS OutPkts did not move (DR, TUN)
	// Failures are the connections expected to fail, per real server (the director's choice) and cause
	// (refused, reset, timeout, …): {rs1: {refused: 25}}. Given, it stands for the load's own verdict (no
	// connection fails): servers and causes not named must see none.
	Failures map[string]map[string]Count `yaml:"failures"`
	// ModelShares checks the split, within that many percentage points of the connections, against the
	// model run in simulated time with each server holding a connection for its mean answer time in this
	// run: what lc, wlc, sed and nq give a slow server (think time). The bound covers what the model does
	// not know: each connection's own time, and earlier phases' entries.
	ModelShares int `yaml:"model_shares"`
	// Distribution checks the split against the shares the model expects, averaged over many simulated
	// runs, for a scheduler that draws random numbers (twos).
	Distribution bool `yaml:"distribution"`
}

type phaseYAML struct {
	Rules       string     `yaml:"rules"`
	Timeouts    Timeouts   `yaml:"timeouts"`
	AwaitExpiry bool       `yaml:"await_expiry"`
	Sysctls     []string   `yaml:"sysctls"`
	Load        Load       `yaml:"load"`
	Steps       []stepYAML `yaml:"steps"`
	Expect      Expect     `yaml:"expect"`
}

type scenarioYAML struct {
	Name      string `yaml:"name"`
	About     string `yaml:"about"`
	Topology  string `yaml:"topology"`
	phaseYAML `yaml:",inline"`
	Phases    []phaseYAML `yaml:"phases"`
}

// Bounds of a scenario: what one lab can carry in a test run of minutes.
const (
	MaxFileBytes   = 256 << 10
	MaxConnections = 100_000
	MaxConcurrency = 1_000
	MaxSources     = 1_000
	MaxDatagrams   = 1_000
	MaxUnits       = 1_000_000 // connections × datagrams: the length of a sequence
	MaxTimeout     = 31 * 86400
	maxPhases      = 100
	maxSteps       = 100
	maxLoadTimeout = 5 * time.Minute
)

// LoadFile reads a scenario file.
func LoadFile(path string) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse reads a scenario and checks every value in it before anything runs. Errors name the source and
// the line and column of the field.
func Parse(source string, data []byte) (*Scenario, error) {
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("%s: the file is larger than %d bytes; a scenario is at most that", source, MaxFileBytes)
	}
	nowhere := &where{source: source, data: data}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	switch err := dec.Decode(&doc); {
	case errors.Is(err, io.EOF):
		return nil, fmt.Errorf("%s: the file is empty; a scenario needs name, rules, load and expect", source)
	case err != nil:
		return nil, nowhere.decodeError(err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, nowhere.decodeError(err)
		}
		return nil, fmt.Errorf("%s:%d:%d: a second YAML document starts here; a scenario file holds one", source, next.Line, next.Column)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:1:1: expected a mapping with name, rules, load and expect", source)
	}
	w, err := newWhere(source, data, doc.Content[0])
	if err != nil {
		return nil, err
	}
	var y scenarioYAML
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	if err := strict.Decode(&y); err != nil {
		return nil, w.decodeError(err)
	}
	s := &Scenario{Name: y.Name, About: strings.TrimSpace(y.About), Source: source, Digest: fmt.Sprintf("sha256:%x", sha256.Sum256(data))}
	if s.Name == "" {
		return nil, w.errf("name", "missing; give the scenario a name")
	}
	if err := topology.ValidateName(s.Name); err != nil {
		return nil, w.errf("name", "%v", err)
	}
	if s.Topology, err = scenarioTopology(source, y.Topology); err != nil {
		return nil, w.errf("topology", "%v", err)
	}
	phases, prefix := y.Phases, "phases[%d]."
	if y.Rules != "" || y.Load != (Load{}) || !emptyExpect(y.Expect) || y.Timeouts != (Timeouts{}) || y.AwaitExpiry || len(y.Steps) > 0 || len(y.Sysctls) > 0 {
		if len(phases) > 0 {
			return nil, w.errf("phases", "give rules, load and expect either at the top or under phases, not both")
		}
		phases, prefix = []phaseYAML{y.phaseYAML}, ""
	}
	switch {
	case len(phases) == 0:
		return nil, w.errf("", "nothing to do: give rules, load and expect")
	case len(phases) > maxPhases:
		return nil, w.errf("phases", "%d phases; a scenario has at most %d", len(phases), maxPhases)
	}
	for i, py := range phases {
		pw := &phaseWhere{where: w, prefix: prefix}
		if prefix != "" {
			pw.prefix = fmt.Sprintf(prefix, i)
		}
		var prev *Phase
		if i > 0 {
			prev = s.Phases[i-1]
		}
		p, err := s.phase(py, prev, pw)
		if err != nil {
			return nil, err
		}
		s.Phases = append(s.Phases, p)
	}
	return s, s.checkTargets(w, prefix)
}

// phaseWhere places a phase's fields: under phases[i]. or at the top.
type phaseWhere struct {
	*where
	prefix string
}

func (pw *phaseWhere) errf(field, format string, args ...any) error {
	return pw.where.errf(pw.prefix+field, format, args...)
}

func emptyExpect(e Expect) bool {
	return e.Sequence == "" && len(e.Split) == 0 && !e.Exact && !e.Affinity && !e.Model && e.Conservation == nil && !e.DirectReturn && !e.Distribution &&
		len(e.Failures) == 0 && e.ModelShares == 0
}

// scenarioTopology is a built-in topology by name, or a topology file beside the scenario (its path taken
// from the scenario file's folder, never above it); the NAT walkthrough by default. Its own IPVS rules are
// dropped: the scenario's first phase says what the director holds.
func scenarioTopology(source, name string) (*topology.Topology, error) {
	var t *topology.Topology
	var err error
	switch {
	case name == "":
		t = topology.Default()
	case strings.ContainsAny(name, "/."):
		if strings.HasPrefix(source, "embedded:") {
			return nil, fmt.Errorf("%q: a built-in scenario names a built-in topology (%s)", topology.Clip(name, 60), strings.Join(topology.EmbeddedNames(), ", "))
		}
		if filepath.IsAbs(name) || slices.Contains(strings.Split(filepath.ToSlash(name), "/"), "..") {
			return nil, fmt.Errorf("%q: expected a built-in topology (%s) or a file in the scenario's folder or below it, without .. or a leading /",
				topology.Clip(name, 60), strings.Join(topology.EmbeddedNames(), ", "))
		}
		t, err = topology.Load(filepath.Join(filepath.Dir(source), name))
	default:
		t, err = topology.Embedded(name)
	}
	if err != nil {
		return nil, err
	}
	if t.IPVS == nil {
		return nil, fmt.Errorf("%s has no ipvs section: no host to run the director", t.Source)
	}
	t.IPVS.Services = nil
	return t, nil
}

func (s *Scenario) phase(py phaseYAML, prev *Phase, w *phaseWhere) (*Phase, error) {
	first := prev == nil
	p := &Phase{Load: py.Load, Expect: py.Expect, Timeouts: py.Timeouts, AwaitExpiry: py.AwaitExpiry}
	for field, v := range map[string]int{"timeouts.tcp": py.Timeouts.TCP, "timeouts.tcpfin": py.Timeouts.TCPFin, "timeouts.udp": py.Timeouts.UDP} {
		if v < 0 || v > MaxTimeout {
			return nil, w.errf(field, "%d: want seconds from 1 to %d, or 0 to keep it as it is", v, MaxTimeout)
		}
	}
	cmds, errs := ipvsadm.ParseRules(py.Rules)
	if len(errs) > 0 {
		return nil, w.errf("rules", "%v", errs[0])
	}
	p.Rules = cmds
	if first && len(cmds) == 0 {
		return nil, w.errf("rules", "the first phase must build the director's table (-A, -a)")
	}
	l := &p.Load
	l.From = cmp.Or(l.From, "client")
	if s.Topology.Host(l.From) == nil {
		return nil, w.errf("load.from", "no host %q in %s", topology.Clip(l.From, 40), s.Topology.Source)
	}
	if err := checkCounts(l, w); err != nil {
		return nil, err
	}
	if err := checkProtocol(l, w); err != nil {
		return nil, err
	}
	e := &p.Expect
	total := 0
	for name, weight := range e.Split {
		if h := s.Topology.Host(name); h == nil || !serves(h, l.Protocol) {
			return nil, w.errf("expect.split."+name, "%q is not a real server of %s with %s server", topology.Clip(name, 40), s.Topology.Source, serverKind(l.Protocol))
		}
		if weight < 0 {
			return nil, w.errf("expect.split."+name, "weight %d: want 0 (takes nothing) or more", weight)
		}
		total += weight
	}
	if len(e.Split) > 0 && total == 0 {
		return nil, w.errf("expect.split", "every weight is 0: some server must take the load")
	}
	if e.Sequence != "" {
		if err := s.checkSequence(e.Sequence, l); err != nil {
			return nil, w.errf("expect.sequence", "%v", err)
		}
	}
	if (e.Sequence != "" || e.Model || e.Distribution) && l.Concurrency != 1 {
		return nil, w.errf("expect", "a sequence or the model's predictions need load.concurrency 1, where connections come in a known order")
	}
	if e.Affinity && l.Sources < 2 {
		return nil, w.errf("expect.affinity", "needs load.sources of 2 or more client addresses")
	}
	if e.ModelShares < 0 || e.ModelShares > 50 {
		return nil, w.errf("expect.model_shares", "%d: want percentage points from 1 to 50", e.ModelShares)
	}
	if l.KeepAlive && (e.Model || e.Distribution || e.ModelShares > 0) {
		return nil, w.errf("load.keep_alive", "the model predicts connections, and kept ones carry several requests each, as many as the timing allows; leave out model, distribution and model_shares, or keep_alive")
	}
	if e.ModelShares > 0 && (l.Protocol != ProtocolTCP || l.Hold || len(py.Steps) > 0) {
		return nil, w.errf("expect.model_shares", "runs a TCP load of connections that each end on their answer, without steps, through the model; leave out hold, steps and protocol: udp")
	}
	for i, text := range py.Sysctls {
		c, err := lab.ParseSysctl(text)
		if err != nil {
			return nil, w.errf(fmt.Sprintf("sysctls[%d]", i), "%v", err)
		}
		p.Sysctls = append(p.Sysctls, c)
	}
	if err := checkReuse(l, prev, w); err != nil {
		return nil, err
	}
	steps, err := s.steps(py.Steps, l, w)
	if err != nil {
		return nil, err
	}
	p.Steps = steps
	switch timed := slices.ContainsFunc(steps, func(st Step) bool { return st.At != 0 }); {
	case timed && e.Model:
		return nil, w.errf("expect.model", "the model follows steps after a count of connections; one at a time lands where the timing puts it: leave out model, or give the step an after")
	case len(steps) > 0 && e.Distribution:
		return nil, w.errf("expect.distribution", "the simulated runs start from the phase's rules and follow no step; leave out distribution, or the steps")
	case timed && slices.ContainsFunc(steps, func(st Step) bool { return st.After != 0 }):
		return nil, w.errf("steps", "give a phase's steps all after a count of connections or all at a time: the load's pauses would hold up the clock of the others")
	}
	if err := s.checkFailures(e.Failures, l, w); err != nil {
		return nil, err
	}
	return p, nil
}

// steps reads a phase's steps: in the order given, each after as many or more connections than the last,
// and before the load's end.
func (s *Scenario) steps(ys []stepYAML, l *Load, w *phaseWhere) ([]Step, error) {
	if len(ys) > maxSteps {
		return nil, w.errf("steps", "%d steps; a phase has at most %d", len(ys), maxSteps)
	}
	if len(ys) > 0 && l.Protocol != ProtocolTCP {
		return nil, w.errf("steps", "steps pause a TCP load between two connections; give protocol: tcp (a UDP load has none)")
	}
	var out []Step
	last, lastAt := 1, time.Duration(0)
	for i, y := range ys {
		field := fmt.Sprintf("steps[%d].", i)
		switch {
		case (y.After != 0) == (y.At != 0):
			return nil, w.errf(field[:len(field)-1], "give after (connections ended) or at (time into the load), one of them")
		case y.At != 0 && (y.At < lastAt || y.At > maxLoadTimeout):
			return nil, w.errf(field+"at", "%s: want from %s (the step at a time before) to %s", y.At, lastAt, maxLoadTimeout)
		case y.At != 0:
			lastAt = y.At
		case y.After < last || y.After >= l.Connections:
			return nil, w.errf(field+"after", "%d: want from %d (the step before) to %d, less than the load's %d connections", y.After, last, l.Connections-1, l.Connections)
		default:
			last = y.After
		}
		st, err := s.step(y, field, w)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

func (s *Scenario) step(y stepYAML, field string, w *phaseWhere) (Step, error) {
	st := Step{After: y.After, At: y.At}
	given := 0
	for _, v := range []string{y.Fault, y.Rules, y.Sysctl} {
		if strings.TrimSpace(v) != "" {
			given++
		}
	}
	if given != 1 {
		return st, w.errf(field[:len(field)-1], "give one of fault, rules and sysctl in each step (found %d)", given)
	}
	switch {
	case y.Fault != "":
		f, err := lab.ParseFault(y.Fault)
		if err != nil {
			return st, w.errf(field+"fault", "%v", err)
		}
		h := s.Topology.Host(f.Host)
		sysctl, isSysctl := f.Sysctl()
		switch {
		case h == nil:
			return st, w.errf(field+"fault", "no host %q in %s", topology.Clip(f.Host, 40), s.Topology.Source)
		case isSysctl && f.Host != s.Topology.IPVS.On:
			return st, w.errf(field+"fault", "%s is a sysctl of the director's IPVS, and %s is not the director (%s)", sysctl.Name, f.Host, s.Topology.IPVS.On)
		case isSysctl:
			st.Sysctl = &sysctl // as a sysctl step
			return st, nil
		case !f.OnLink() && h.HTTP == nil && h.UDP == nil:
			return st, w.errf(field+"fault", "%s runs no server to %s", f.Host, f.Action)
		}
		st.Fault = &f
	case y.Sysctl != "":
		c, err := lab.ParseSysctl(y.Sysctl)
		if err != nil {
			return st, w.errf(field+"sysctl", "%v", err)
		}
		st.Sysctl = &c
	default:
		cmds, errs := ipvsadm.ParseRules(y.Rules)
		if len(errs) > 0 {
			return st, w.errf(field+"rules", "%v", errs[0])
		}
		st.Rules = cmds
	}
	return st, nil
}

// checkFailures checks expect.failures: real servers of the load's protocol, causes the load generator
// counts, counts no more than the load's connections.
func (s *Scenario) checkFailures(failures map[string]map[string]Count, l *Load, w *phaseWhere) error {
	for server, causes := range failures {
		field := "expect.failures." + topology.Clip(server, 40)
		if h := s.Topology.Host(server); h == nil || !serves(h, l.Protocol) {
			return w.errf(field, "%q is not a real server of %s with %s server", topology.Clip(server, 40), s.Topology.Source, serverKind(l.Protocol))
		}
		for cause, n := range causes {
			if !slices.Contains(loadgen.FailureNames, cause) {
				return w.errf(field+"."+topology.Clip(cause, 20), "unknown cause; expected one of %s", strings.Join(loadgen.FailureNames, ", "))
			}
			if n.Min > l.Connections*max(l.Datagrams, 1) {
				return w.errf(field+"."+cause, "%s: more than the load's %d connections", n, l.Connections)
			}
		}
	}
	return nil
}

// checkCounts fills in the load's defaults and bounds its numbers.
func checkCounts(l *Load, w *phaseWhere) error {
	l.Connections = cmp.Or(l.Connections, 100)
	l.Concurrency = cmp.Or(l.Concurrency, 1)
	l.Sources = cmp.Or(l.Sources, 1)
	for _, c := range []struct {
		field    string
		n, limit int
	}{{"load.connections", l.Connections, MaxConnections}, {"load.concurrency", l.Concurrency, MaxConcurrency},
		{"load.sources", l.Sources, MaxSources}, {"load.datagrams", l.Datagrams, MaxDatagrams}} {
		if c.n < 0 || c.n > c.limit {
			return w.errf(c.field, "%d: want 1 to %d", c.n, c.limit)
		}
	}
	if l.Concurrency > l.Connections {
		return w.errf("load.concurrency", "%d is more than the %d connections", l.Concurrency, l.Connections)
	}
	if l.Timeout < 0 || l.Timeout > maxLoadTimeout {
		return w.errf("load.timeout", "%s: want more than 0 and at most %s, or leave it out for 10s", l.Timeout, maxLoadTimeout)
	}
	if l.Connections*max(l.Datagrams, 1) > MaxUnits {
		return w.errf("load", "%d connections of %d datagrams: at most %d datagrams in a phase", l.Connections, l.Datagrams, MaxUnits)
	}
	return nil
}

// checkSequence checks an expected sequence against the load: one real server per connection (per
// datagram under udp), each a host that serves the load's protocol.
func (s *Scenario) checkSequence(seq string, l *Load) error {
	units := l.Connections
	if l.Protocol == ProtocolUDP {
		units *= l.Datagrams
	}
	want, err := assert.ParseSeq(seq, units)
	if err != nil {
		return err
	}
	for _, name := range want {
		if h := s.Topology.Host(name); h == nil || !serves(h, l.Protocol) {
			return fmt.Errorf("%q is not a real server of %s with %s server", topology.Clip(name, 40), s.Topology.Source, serverKind(l.Protocol))
		}
	}
	switch {
	case l.KeepAlive && len(want) > units:
		return fmt.Errorf("%d servers for %d requests on kept connections: give one for each connection, at most one per request", len(want), units)
	case !l.KeepAlive && len(want) != units:
		return fmt.Errorf("%d servers for %d %s: give one for each", len(want), units, unitName(l))
	}
	return nil
}

func unitName(l *Load) string {
	if l.Protocol == ProtocolUDP {
		return "datagrams"
	}
	return "connections"
}

// checkTargets refuses a load URL outside the lab: its host must be an address of one of the lab's hosts
// or a virtual service of the scenario's rules, given as an address (no name goes to DNS).
func (s *Scenario) checkTargets(w *where, prefix string) error {
	var vips []netip.Addr
	for _, p := range s.Phases {
		for _, c := range p.Rules {
			if c.Service.Addr.IsValid() {
				vips = append(vips, c.Service.Addr.Addr())
			}
		}
	}
	for i, p := range s.Phases {
		if p.Load.URL == "" {
			continue
		}
		field := "load.url"
		if prefix != "" {
			field = fmt.Sprintf(prefix, i) + field
		}
		key, err := topology.ParseLoadURL(p.Load.URL)
		var name *topology.NameError
		switch {
		case errors.As(err, &name):
			return w.errf(field, "%q: give an address, not a name (a name would go to DNS, outside the lab)", topology.Clip(name.Host, 60))
		case err != nil:
			return w.errf(field, "%q is not a URL such as http://192.168.0.75/ or udp://192.168.0.75:53", topology.Clip(p.Load.URL, 80))
		}
		if a := key.Addr.Addr(); !s.Topology.HasAddress(a, vips...) {
			return w.errf(field, "%s is not an address of this lab (its hosts' addresses and the rules' virtual services); load goes only into the lab", a)
		}
	}
	return nil
}

// checkProtocol checks a load's protocol and what depends on it, and fills in its defaults.
func checkProtocol(l *Load, w *phaseWhere) error {
	l.Protocol = strings.ToLower(cmp.Or(l.Protocol, ProtocolTCP))
	scheme := strings.ToLower(l.URL)
	if i := strings.Index(scheme, "://"); i >= 0 {
		scheme = scheme[:i]
	}
	url := topology.Clip(l.URL, 80)
	switch l.Protocol {
	case ProtocolTCP:
		if l.Datagrams != 0 {
			return w.errf("load.datagrams", "%d, but datagrams are for protocol: udp; leave it out for tcp", l.Datagrams)
		}
		if l.URL != "" && scheme != "http" {
			return w.errf("load.url", "%q is not an http:// URL; for datagrams say protocol: udp and give udp://HOST:PORT", url)
		}
	case ProtocolUDP:
		l.Datagrams = max(l.Datagrams, 1)
		if l.KeepAlive {
			return w.errf("load.keep_alive", "keeps TCP connections for several requests; a UDP socket has none (leave keep_alive out for protocol: udp)")
		}
		if l.Hold {
			return w.errf("load.hold", "holds TCP connections open; a UDP socket has none to hold (leave hold out for protocol: udp)")
		}
		if l.URL != "" && scheme != "udp" {
			return w.errf("load.url", "%q is not a udp:// URL; protocol udp sends datagrams to udp://HOST:PORT", url)
		}
	default:
		return w.errf("load.protocol", "unknown protocol %q; allowed: tcp, udp", topology.Clip(l.Protocol, 20))
	}
	return nil
}

// serves reports whether host has a server for protocol.
func serves(h *topology.Host, protocol string) bool {
	if protocol == ProtocolUDP {
		return h.UDP != nil
	}
	return h.HTTP != nil
}

func serverKind(protocol string) string {
	if protocol == ProtocolUDP {
		return "a UDP"
	}
	return "an HTTP"
}

// checkReuse checks that a load reusing ports has the previous phase's to reuse: the same host sending
// from one address, no more connections than it made.
func checkReuse(l *Load, prev *Phase, w *phaseWhere) error {
	switch {
	case !l.ReusePorts:
		return nil
	case prev == nil:
		return w.errf("load.reuse_ports", "reuses the previous phase's ports, and this is the first phase")
	case l.Protocol != prev.Load.Protocol:
		return w.errf("load.reuse_ports", "reuses the ports of the phase before: give the same protocol in both")
	case l.From != prev.Load.From || l.Sources != 1 || prev.Load.Sources != 1:
		return w.errf("load.reuse_ports", "reuses the ports of the phase before from the same address: give the same from and one source in both")
	case prev.Load.KeepAlive:
		return w.errf("load.reuse_ports", "the phase before kept its connections (keep_alive): its requests did not each have a port of their own")
	case l.Connections > prev.Load.Connections:
		return w.errf("load.reuse_ports", "%d connections, but the phase before made %d to reuse the ports of", l.Connections, prev.Load.Connections)
	}
	return nil
}
