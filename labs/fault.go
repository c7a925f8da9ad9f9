package labs

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/lvslab/lvslab/realserver"
)

// Faults on a host's link, beside its server's (realserver.Actions).
const (
	LinkDown = "link-down" // the interface down, as a cable pulled
	LinkUp   = "link-up"   // and back up, with the host's routes
)

// FaultActions are every fault lvslab fault applies, in the order its help lists them.
var FaultActions = append(slices.Clone(realserver.Actions), LinkDown, LinkUp)

// FaultRequest is a fault lvslab fault applies to one host: to its server, or to its interface (the
// host's only one when Interface is "").
type FaultRequest struct {
	Host      string
	Interface string
	Action    string
}

// Check says what is wrong with the request before any lab is asked.
func (r FaultRequest) Check() error {
	switch {
	case !slices.Contains(FaultActions, r.Action):
		return fmt.Errorf("fault %q: expected one of %s", r.Action, strings.Join(FaultActions, ", "))
	case r.Interface != "" && r.Action != LinkDown && r.Action != LinkUp:
		return fmt.Errorf("%s acts on %s's server, not on an interface: name the host alone", r.Action, r.Host)
	}
	return nil
}

// Fault applies the fault on this kernel and says what it left.
func (n Native) Fault(ctx context.Context, req FaultRequest, t Terminal) error {
	if err := req.Check(); err != nil {
		return err
	}
	switch req.Action {
	case LinkDown, LinkUp:
		ifname, err := n.Lab.SetLinkUp(req.Host, req.Interface, req.Action == LinkUp)
		if err != nil {
			return err
		}
		fmt.Fprintf(t.Stdout, "%s %s: %s\n", req.Host, ifname, strings.TrimPrefix(req.Action, "link-"))
		return nil
	}
	state, err := n.Lab.ServerFault(ctx, req.Host, req.Action)
	if err != nil {
		return err
	}
	fmt.Fprintf(t.Stdout, "%s's server: %s\n", req.Host, state)
	return nil
}

// Fault applies the fault in the lab's machine.
func (v InVM) Fault(ctx context.Context, req FaultRequest, t Terminal) error {
	return v.Lvslab(ctx, FaultArgs(v.Name(), req), t)
}

// FaultArgs is lvslab fault's command line for req in the lab named lab: what a lab's machine runs.
func FaultArgs(lab string, req FaultRequest) []string {
	return []string{"fault", "--lab", lab, hostTarget(req.Host, req.Interface), req.Action}
}
