package lab

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lvslab/lvslab/realserver"
	"github.com/lvslab/lvslab/topology"
)

// Faults on a host's link, beside its server's (realserver.Actions).
const (
	LinkDown = "link-down" // the interface down, as a cable pulled
	LinkUp   = "link-up"   // and back up, with the host's routes
	LinkFlap = "link-flap" // down for a period, up for a period, a number of times
)

// FaultActions are every fault a lab takes, in the order lvslab fault's help lists them; besides them, the
// director takes one of SettableSysctls as NAME=VALUE.
var FaultActions = append(slices.Clone(realserver.Actions), LinkDown, LinkUp, LinkFlap)

// Bounds of a flap.
const (
	MinFlapPeriod = 10 * time.Millisecond
	MaxFlapPeriod = time.Minute
	MaxFlapTimes  = 100
)

// Fault is one fault applied to a host: to its server, to its interface (the host's only one when
// Interface is ""), or, on the director, one of its IPVS sysctls (Sysctl).
type Fault struct {
	Host      string
	Interface string
	Action    string // one of FaultActions, or NAME=VALUE
	// A flap's period (how long the link stays down, then up) and how many times it goes down.
	Period time.Duration
	Times  int
}

// ParseFault reads a fault as a scenario's step gives it: "rs1 stop", "rs2:eth0 link-down", "rs1 link-flap
// 500ms 3" (the period and the times), "director expire_nodest_conn=1".
func ParseFault(text string) (Fault, error) {
	words := strings.Fields(text)
	if len(words) < 2 {
		return Fault{}, fmt.Errorf("%q: expected HOST[:INTERFACE] and one of %s (or NAME=VALUE on the director), as \"rs1 stop\"",
			topology.Clip(text, 60), strings.Join(FaultActions, ", "))
	}
	host, ifname, err := ParseTarget(words[0])
	f := Fault{Host: host, Interface: ifname, Action: words[1]}
	if err != nil {
		return f, err
	}
	switch {
	case f.Action == LinkFlap && len(words) == 4:
		if f.Period, err = time.ParseDuration(words[2]); err != nil {
			return f, fmt.Errorf("%s's period %q: expected a duration such as 500ms", LinkFlap, topology.Clip(words[2], 20))
		}
		if f.Times, err = strconv.Atoi(words[3]); err != nil {
			return f, fmt.Errorf("%s's times %q: expected a whole number", LinkFlap, topology.Clip(words[3], 20))
		}
	case f.Action == LinkFlap:
		return f, fmt.Errorf("%q: expected HOST[:INTERFACE] %s PERIOD TIMES, as \"rs1 %s 500ms 3\"", topology.Clip(text, 60), LinkFlap, LinkFlap)
	case len(words) != 2:
		return f, fmt.Errorf("%q: expected HOST[:INTERFACE] and one action, as \"rs1 stop\"", topology.Clip(text, 60))
	}
	return f, f.Check()
}

// Sysctl is the fault's Action read as one of the director's sysctls, NAME=VALUE, when it is one.
func (f Fault) Sysctl() (Sysctl, bool) {
	if !strings.Contains(f.Action, "=") {
		return Sysctl{}, false
	}
	s, err := ParseSysctl(f.Action)
	return s, err == nil
}

// Check says what is wrong with the fault before any lab is asked.
func (f Fault) Check() error {
	if strings.Contains(f.Action, "=") {
		s, err := ParseSysctl(f.Action)
		if err != nil {
			return err
		}
		if f.Interface != "" {
			return fmt.Errorf("%s is a sysctl of %s's IPVS, not of an interface: name the host alone", s.Name, f.Host)
		}
		return nil
	}
	switch {
	case !slices.Contains(FaultActions, f.Action):
		return fmt.Errorf("fault %q: expected one of %s, or NAME=VALUE of %s on the director", topology.Clip(f.Action, 20),
			strings.Join(FaultActions, ", "), strings.Join(SettableSysctls, ", "))
	case f.Interface != "" && !f.OnLink():
		return fmt.Errorf("%s acts on %s's server, not on an interface: name the host alone", f.Action, f.Host)
	case f.Action != LinkFlap && (f.Period != 0 || f.Times != 0):
		return fmt.Errorf("a period and times are for %s, not %s", LinkFlap, f.Action)
	case f.Action == LinkFlap && (f.Period < MinFlapPeriod || f.Period > MaxFlapPeriod):
		return fmt.Errorf("%s's period %v: expected %v to %v", LinkFlap, f.Period, MinFlapPeriod, MaxFlapPeriod)
	case f.Action == LinkFlap && (f.Times < 1 || f.Times > MaxFlapTimes):
		return fmt.Errorf("%s's times %d: expected 1 to %d", LinkFlap, f.Times, MaxFlapTimes)
	}
	return nil
}

// OnLink says the fault acts on the host's interface, not its server.
func (f Fault) OnLink() bool {
	return f.Action == LinkDown || f.Action == LinkUp || f.Action == LinkFlap
}

func (f Fault) String() string {
	s := Target(f.Host, f.Interface) + " " + f.Action
	if f.Action == LinkFlap {
		s += fmt.Sprintf(" %v %d", f.Period, f.Times)
	}
	return s
}

// ParseTarget reads a host's interface as lvslab link and lvslab fault take it: HOST, or HOST:INTERFACE.
func ParseTarget(target string) (host, ifname string, err error) {
	host, ifname, found := strings.Cut(target, ":")
	if host == "" || found && ifname == "" {
		return host, ifname, errors.New("expected HOST or HOST:INTERFACE, as rs1 or director:eth1")
	}
	return host, ifname, nil
}

// Target is ParseTarget's inverse.
func Target(host, ifname string) string {
	if ifname == "" {
		return host
	}
	return host + ":" + ifname
}
