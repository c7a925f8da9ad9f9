package labs

import (
	"context"
	"fmt"
	"strconv"

	"github.com/lvslab/lvslab/lab"
)

// Fault applies the fault on this kernel and says what it left.
func (n Native) Fault(ctx context.Context, f lab.Fault, t Terminal) error {
	what, err := n.Lab.ApplyFault(ctx, f)
	if err != nil {
		return err
	}
	fmt.Fprintln(t.Stdout, what)
	return nil
}

// Fault applies the fault in the lab's machine.
func (v InVM) Fault(ctx context.Context, f lab.Fault, t Terminal) error {
	return v.Lvslab(ctx, FaultArgs(v.Name(), f), t)
}

// FaultArgs is lvslab fault's command line for f in the lab named name: what a lab's machine runs.
func FaultArgs(name string, f lab.Fault) []string {
	args := []string{"fault", "--lab", name, lab.Target(f.Host, f.Interface), f.Action}
	if f.Action == lab.LinkFlap {
		args = append(args, "--period", f.Period.String(), "--times", strconv.Itoa(f.Times))
	}
	return args
}
