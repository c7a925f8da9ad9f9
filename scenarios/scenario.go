package scenarios

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/lvslab/lvslab/topology"
	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// Scenario is one check of the kernel's IPVS: a topology, the director's rules, load, and what must come
// of it, possibly in several phases (rules changed with -E, -e, -d between loads).
type Scenario struct {
	Name     string
	About    string
	Source   string // file or embedded:NAME.yaml
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
	Load        Load
	Expect      Expect
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
	Conservation *bool          `yaml:"conservation"`  // sent = seen by the servers = IPVS Conns (default on)
	DirectReturn bool           `yaml:"direct_return"` // replies bypassed the director: IPVS OutPkts did not move (DR, TUN)
	// Distribution checks the split against the shares the model expects, averaged over many simulated
	// runs, for a scheduler that draws random numbers (twos).
	Distribution bool `yaml:"distribution"`
}

type phaseYAML struct {
	Rules       string   `yaml:"rules"`
	Timeouts    Timeouts `yaml:"timeouts"`
	AwaitExpiry bool     `yaml:"await_expiry"`
	Load        Load     `yaml:"load"`
	Expect      Expect   `yaml:"expect"`
}

type scenarioYAML struct {
	Name      string `yaml:"name"`
	About     string `yaml:"about"`
	Topology  string `yaml:"topology"`
	phaseYAML `yaml:",inline"`
	Phases    []phaseYAML `yaml:"phases"`
}

// LoadFile reads a scenario file.
func LoadFile(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse reads a scenario. Errors name the source and, where YAML knows it, the line.
func Parse(source string, data []byte) (*Scenario, error) {
	var y scenarioYAML
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&y); err != nil {
		return nil, fmt.Errorf("%s: %s", source, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	s := &Scenario{Name: y.Name, About: strings.TrimSpace(y.About), Source: source}
	if s.Name == "" {
		return nil, fmt.Errorf("%s: name: missing; give the scenario a name", source)
	}
	if err := topology.ValidateName(s.Name); err != nil {
		return nil, fmt.Errorf("%s: name: %w", source, err)
	}
	var err error
	if s.Topology, err = scenarioTopology(y.Topology); err != nil {
		return nil, fmt.Errorf("%s: topology: %w", source, err)
	}
	phases := y.Phases
	if y.Rules != "" || y.Load != (Load{}) || !emptyExpect(y.Expect) || y.Timeouts != (Timeouts{}) || y.AwaitExpiry {
		if len(phases) > 0 {
			return nil, fmt.Errorf("%s: give rules, load and expect either at the top or under phases, not both", source)
		}
		phases = []phaseYAML{y.phaseYAML}
	}
	if len(phases) == 0 {
		return nil, fmt.Errorf("%s: nothing to do: give rules, load and expect", source)
	}
	for i, py := range phases {
		p, err := s.phase(py, i == 0)
		if err != nil {
			where := ""
			if len(y.Phases) > 0 {
				where = fmt.Sprintf("phases[%d].", i)
			}
			return nil, fmt.Errorf("%s: %s%w", source, where, err)
		}
		s.Phases = append(s.Phases, p)
	}
	return s, nil
}

func emptyExpect(e Expect) bool {
	return e.Sequence == "" && len(e.Split) == 0 && !e.Exact && !e.Affinity && !e.Model && e.Conservation == nil && !e.DirectReturn && !e.Distribution
}

// scenarioTopology is a built-in topology by name or a topology file; the NAT walkthrough by default.
// Its own IPVS rules are dropped: the scenario's first phase says what the director holds.
func scenarioTopology(name string) (*topology.Topology, error) {
	var t *topology.Topology
	var err error
	switch {
	case name == "":
		t = topology.Default()
	case strings.ContainsAny(name, "/."):
		t, err = topology.Load(name)
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

func (s *Scenario) phase(py phaseYAML, first bool) (*Phase, error) {
	p := &Phase{Load: py.Load, Expect: py.Expect, Timeouts: py.Timeouts, AwaitExpiry: py.AwaitExpiry}
	if t := py.Timeouts; t.TCP < 0 || t.TCPFin < 0 || t.UDP < 0 {
		return nil, fmt.Errorf("timeouts: %+v: want seconds, 0 to keep one as it is", t)
	}
	cmds, errs := ipvsadm.ParseRules(py.Rules)
	if len(errs) > 0 {
		return nil, fmt.Errorf("rules: %w", errs[0])
	}
	p.Rules = cmds
	if first && len(cmds) == 0 {
		return nil, errors.New("rules: the first phase must build the director's table (-A, -a)")
	}
	l := &p.Load
	l.From = cmp.Or(l.From, "client")
	if s.Topology.Host(l.From) == nil {
		return nil, fmt.Errorf("load.from: no host %q in %s", l.From, s.Topology.Source)
	}
	if l.Connections == 0 {
		l.Connections = 100
	}
	if l.Concurrency == 0 {
		l.Concurrency = 1
	}
	if l.Sources == 0 {
		l.Sources = 1
	}
	if l.Connections < 0 || l.Concurrency < 0 || l.Sources < 0 || l.Concurrency > l.Connections {
		return nil, fmt.Errorf("load: connections %d, concurrency %d, sources %d: want positive numbers, concurrency at most connections",
			l.Connections, l.Concurrency, l.Sources)
	}
	if err := checkProtocol(l); err != nil {
		return nil, err
	}
	e := &p.Expect
	for name := range e.Split {
		if h := s.Topology.Host(name); h == nil || !serves(h, l.Protocol) {
			return nil, fmt.Errorf("expect.split: %q is not a real server of %s with a %s server", name, s.Topology.Source, serverKind(l.Protocol))
		}
	}
	if (e.Sequence != "" || e.Model || e.Distribution) && l.Concurrency != 1 {
		return nil, errors.New("expect: a sequence or the model's predictions need load.concurrency 1, where connections come in a known order")
	}
	if e.Affinity && l.Sources < 2 {
		return nil, errors.New("expect.affinity: needs load.sources of 2 or more client addresses")
	}
	return p, nil
}

// checkProtocol checks a load's protocol and what depends on it, and fills in its defaults.
func checkProtocol(l *Load) error {
	l.Protocol = strings.ToLower(cmp.Or(l.Protocol, ProtocolTCP))
	scheme := strings.ToLower(l.URL)
	if i := strings.Index(scheme, "://"); i >= 0 {
		scheme = scheme[:i]
	}
	switch l.Protocol {
	case ProtocolTCP:
		if l.Datagrams != 0 {
			return fmt.Errorf("load.datagrams: %d, but datagrams are for protocol: udp; leave it out for tcp", l.Datagrams)
		}
		if l.URL != "" && scheme != "http" {
			return fmt.Errorf("load.url: %q is not an http:// URL; for datagrams say protocol: udp and give udp://HOST:PORT", l.URL)
		}
	case ProtocolUDP:
		if l.Datagrams < 0 {
			return fmt.Errorf("load.datagrams: %d; want 1 or more datagrams per socket", l.Datagrams)
		}
		l.Datagrams = max(l.Datagrams, 1)
		if l.Hold {
			return errors.New("load.hold: holds TCP connections open; a UDP socket has none to hold (leave hold out for protocol: udp)")
		}
		if l.URL != "" && scheme != "udp" {
			return fmt.Errorf("load.url: %q is not a udp:// URL; protocol udp sends datagrams to udp://HOST:PORT", l.URL)
		}
	default:
		return fmt.Errorf("load.protocol: unknown protocol %q; allowed: tcp, udp", l.Protocol)
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
		return "UDP"
	}
	return "HTTP"
}
