package assert

import (
	"fmt"

	"github.com/lvslab/lvslab/assert/model"
)

// Predicted runs the reference model over the connections, in order, and
// compares its pick with the server that took each one. Every connection
// stays open in the model (Connect), which is what a lab that holds its
// connections does; for lc/wlc/sed/nq under real timing use Steering.
// name maps a model destination to the server names of observed; nil uses
// the destination's address. A connection the model refuses is predicted
// as "(none)". svc changes as the kernel's service would.
func Predicted(svc *model.Service, conns []model.Conn, observed []string, name func(*model.Dest) string) Verdict {
	vname := "predicted (" + svc.Scheduler() + ")"
	if len(conns) == 0 {
		return invalid(vname, "no connections to predict")
	}
	if name == nil {
		name = (*model.Dest).String
	}
	predicted := make([]string, len(conns))
	for i, c := range conns {
		predicted[i] = "(none)"
		if e, err := svc.Connect(c); err == nil {
			predicted[i] = name(e.Dest)
		}
	}
	n := max(len(predicted), len(observed))
	var mismatches []int
	for i := range n {
		if at(predicted, i) != at(observed, i) {
			mismatches = append(mismatches, i)
		}
	}
	agree := n - len(mismatches)
	summary := fmt.Sprintf("%d of %d connections (%.2f%%) went where the model predicts", agree, n, 100*float64(agree)/float64(n))
	if len(predicted) != len(observed) {
		summary += fmt.Sprintf("; %d predicted, %d observed", len(predicted), len(observed))
	}
	if len(mismatches) == 0 {
		return pass(vname, summary, "")
	}
	summary += fmt.Sprintf("; first mismatch at #%d: model %s, observed %s",
		mismatches[0]+1, predicted[mismatches[0]], at(observed, mismatches[0]))
	const shown = 10
	t := newTable("rlll", "#", "client", "model", "observed")
	for _, i := range mismatches[:min(len(mismatches), shown)] {
		client := "-"
		if i < len(conns) {
			client = conns[i].Client.String()
		}
		t.add(fmt.Sprint(i+1), client, at(predicted, i), at(observed, i))
	}
	detail := t.String()
	if len(mismatches) > shown {
		detail += fmt.Sprintf("(%d more mismatches)\n", len(mismatches)-shown)
	}
	detail += "\n" + countTable("model", "observed", Counts(predicted), Counts(observed))
	return fail(vname, summary, detail)
}
