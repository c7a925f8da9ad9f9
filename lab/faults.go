package lab

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/lvslab/lvslab/realserver"
	"github.com/lvslab/lvslab/topology"
)

// Faults on a host's link, beside its server's (realserver.Actions).
const (
	LinkDown = "link-down" // the interface down, as a cable pulled
	LinkUp   = "link-up"   // and back up, with the host's routes
)

// FaultActions are every fault a lab takes, in the order lvslab fault's help lists them.
var FaultActions = append(slices.Clone(realserver.Actions), LinkDown, LinkUp)

// Fault is one fault applied to a host: to its server, or to its interface (the host's only one when
// Interface is "").
type Fault struct {
	Host      string
	Interface string
	Action    string
}

// ParseFault reads a fault as lvslab fault takes it and a scenario's step gives it: "rs1 stop",
// "rs2:eth0 link-down".
func ParseFault(text string) (Fault, error) {
	words := strings.Fields(text)
	if len(words) != 2 {
		return Fault{}, fmt.Errorf("%q: expected HOST[:INTERFACE] and one of %s, as \"rs1 stop\"", topology.Clip(text, 60), strings.Join(FaultActions, ", "))
	}
	host, ifname, err := ParseTarget(words[0])
	f := Fault{Host: host, Interface: ifname, Action: words[1]}
	if err != nil {
		return f, err
	}
	return f, f.Check()
}

// Check says what is wrong with the fault before any lab is asked.
func (f Fault) Check() error {
	switch {
	case !slices.Contains(FaultActions, f.Action):
		return fmt.Errorf("fault %q: expected one of %s", topology.Clip(f.Action, 20), strings.Join(FaultActions, ", "))
	case f.Interface != "" && !f.OnLink():
		return fmt.Errorf("%s acts on %s's server, not on an interface: name the host alone", f.Action, f.Host)
	}
	return nil
}

// OnLink says the fault acts on the host's interface, not its server.
func (f Fault) OnLink() bool { return f.Action == LinkDown || f.Action == LinkUp }

func (f Fault) String() string { return Target(f.Host, f.Interface) + " " + f.Action }

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
