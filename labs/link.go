package labs

import (
	"context"
	"fmt"

	"github.com/lvslab/lvslab/lab"
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

// LinkArgs is lvslab link's command line for req in the lab named name: what a lab's machine runs.
func LinkArgs(name string, req LinkRequest) []string {
	args := []string{"link", "--lab", name, lab.Target(req.Host, req.Interface)}
	switch {
	case !req.Set:
	case req.Shape.IsZero():
		args = append(args, "--clear")
	default:
		for _, v := range req.Shape.Settings() {
			args = append(args, "--"+v.Name, v.Value)
		}
	}
	return args
}
