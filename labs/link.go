package labs

import (
	"context"
	"fmt"

	"github.com/lvslab/lvslab/topology"
)

// LinkRequest is what lvslab link asks of one host's interface: to show its shaping, or (Set) to replace
// it with Shape, the zero Shape taking it away.
type LinkRequest struct {
	Host      string
	Interface string // "" for the host's only one
	Set       bool
	Shape     topology.Shape
}

// Link shapes a host's interface on this kernel, or shows how it is shaped, as the kernel has it after.
func (n Native) Link(_ context.Context, req LinkRequest, t Terminal) error {
	var ifname string
	var now topology.Shape
	var err error
	if req.Set {
		ifname, now, err = n.Lab.SetShape(req.Host, req.Interface, req.Shape)
	} else {
		ifname, now, err = n.Lab.ShapeOf(req.Host, req.Interface)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(t.Stdout, "%s %s: %s\n", req.Host, ifname, now)
	return nil
}

// Link does what lvslab link asks in the lab's machine.
func (v InVM) Link(ctx context.Context, req LinkRequest, t Terminal) error {
	return v.Lvslab(ctx, LinkArgs(v.Name(), req), t)
}

// LinkArgs is lvslab link's command line for req in the lab named lab: what a lab's machine runs.
func LinkArgs(lab string, req LinkRequest) []string {
	target := req.Host
	if req.Interface != "" {
		target += ":" + req.Interface
	}
	args := []string{"link", "--lab", lab, target}
	switch {
	case !req.Set:
	case req.Shape.IsZero():
		args = append(args, "--clear")
	default:
		s := req.Shape
		for _, v := range []struct {
			name string
			set  bool
			text string
		}{
			{"delay", s.Delay > 0, s.Delay.String()},
			{"jitter", s.Jitter > 0, s.Jitter.String()},
			{"loss", s.Loss > 0, percent(s.Loss)},
			{"duplicate", s.Duplicate > 0, percent(s.Duplicate)},
			{"reorder", s.Reorder > 0, percent(s.Reorder)},
			{"corrupt", s.Corrupt > 0, percent(s.Corrupt)},
			{"rate", s.Rate > 0, topology.FormatRate(s.Rate)},
		} {
			if v.set {
				args = append(args, "--"+v.name, v.text)
			}
		}
	}
	return args
}

func percent(p float64) string { return fmt.Sprintf("%g%%", p) }
