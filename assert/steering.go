package assert

import (
	"fmt"
	"slices"
	"strings"
)

// ServerState is a real server as the scheduler saw it when a connection
// arrived: its weight and counters (ActiveConn and InActConn of ipvsadm -L).
type ServerState struct {
	Name             string
	Weight           int
	Active, Inactive int
	Overloaded       bool // the threshold flag (-x/-y)
}

// Decision is one scheduling decision: the servers in the kernel's list
// order (newest added first, as /proc/net/ip_vs shows them) and the server
// that took the connection.
type Decision struct {
	Servers []ServerState
	Chosen  string
}

// TieBreak says which server a tie may go to.
type TieBreak int

const (
	// AnyTied accepts any of the servers with the least cost.
	AnyTied TieBreak = iota
	// KernelOrder accepts only the kernel's pick: the first of the tied
	// servers in list order (nq: the first idle server).
	KernelOrder
)

// Steering checks that each decision of lc, wlc, sed or nq is one the
// scheduler allows: a server that is not overloaded, has a positive weight
// and has the least cost (lc: overhead; wlc: overhead/weight; sed:
// (active+1)/weight; nq: an idle server whatever its weight, else sed's
// rule).
func Steering(scheduler string, decisions []Decision, ties TieBreak) Verdict {
	name := "steering (" + scheduler + ")"
	cost, ok := costs[scheduler]
	if !ok {
		return invalid(name, "scheduler %q is not one of lc wlc sed nq", scheduler)
	}
	if len(decisions) == 0 {
		return invalid(name, "no decisions to check")
	}
	var bad []int
	var detail strings.Builder
	const shown = 5
	for i, d := range decisions {
		for _, s := range d.Servers {
			if s.Weight < 0 || s.Active < 0 || s.Inactive < 0 {
				return invalid(name, "connection #%d: negative weight or counter for %s", i+1, s.Name)
			}
		}
		allowed := allowedServers(scheduler, cost, d.Servers, ties)
		if slices.Contains(allowed, d.Chosen) {
			continue
		}
		bad = append(bad, i)
		if len(bad) <= shown {
			detail.WriteString(decisionReport(i, scheduler, cost, d, allowed))
		}
	}
	tieRule := "ties to any tied server"
	if ties == KernelOrder {
		tieRule = "ties to the first in list order"
	}
	if len(bad) == 0 {
		return pass(name, fmt.Sprintf("%s, all allowed by %s (%s)", plural(len(decisions), "choice"), scheduler, tieRule), "")
	}
	if len(bad) > shown {
		fmt.Fprintf(&detail, "(%d more choices not allowed)\n", len(bad)-shown)
	}
	first := decisions[bad[0]]
	summary := fmt.Sprintf("%d of %s not allowed by %s (%s); first at connection #%d: chose %s, allowed %s",
		len(bad), plural(len(decisions), "choice"), scheduler, tieRule, bad[0]+1, first.Chosen,
		orNone(allowedServers(scheduler, cost, first.Servers, ties)))
	return fail(name, summary, detail.String())
}

// cost is a server's cost as a fraction num/den, compared by cross
// multiplication as the kernel does; den is the weight (1 for lc).
type cost struct {
	numLabel, ratioLabel string // ratioLabel is empty when den is 1
	num, den             func(ServerState) int64
}

// costs mirror assert/model/leastconn.go (the model keeps its overhead
// unexported): ip_vs_dest_conn_overhead there is (active << 8) + totalconns
// with totalconns = active + inactive; sed and nq use active + 1
// (ip_vs_sed_dest_overhead, ip_vs_nq_dest_overhead).
var costs = map[string]cost{
	"lc":  {"overhead", "", overhead, one},
	"wlc": {"overhead", "overhead/weight", overhead, weight},
	"sed": {"active+1", "(active+1)/weight", activePlusOne, weight},
	"nq":  {"active+1", "(active+1)/weight", activePlusOne, weight},
}

func overhead(s ServerState) int64      { return int64(s.Active)<<8 + int64(s.Active+s.Inactive) }
func activePlusOne(s ServerState) int64 { return int64(s.Active) + 1 }
func weight(s ServerState) int64        { return int64(s.Weight) }
func one(ServerState) int64             { return 1 }

// allowedServers lists the servers the scheduler may pick, in list order.
func allowedServers(scheduler string, c cost, servers []ServerState, ties TieBreak) []string {
	var eligible []ServerState
	for _, s := range servers {
		if !s.Overloaded && s.Weight > 0 {
			eligible = append(eligible, s)
		}
	}
	if scheduler == "nq" {
		// ip_vs_nq_schedule returns the first idle server at once,
		// whatever its weight: all idle servers tie.
		var idle []string
		for _, s := range eligible {
			if s.Active == 0 {
				idle = append(idle, s.Name)
			}
		}
		if len(idle) > 0 {
			if ties == KernelOrder {
				return idle[:1]
			}
			return idle
		}
	}
	var least []string
	var ln, ld int64
	for _, s := range eligible {
		n, d := c.num(s), c.den(s)
		switch {
		case least == nil || n*ld < ln*d:
			least, ln, ld = []string{s.Name}, n, d
		case n*ld == ln*d:
			least = append(least, s.Name)
		}
	}
	if ties == KernelOrder && len(least) > 1 {
		least = least[:1]
	}
	return least
}

// decisionReport prints the servers of one wrong decision side by side
// with their costs.
func decisionReport(i int, scheduler string, c cost, d Decision, allowed []string) string {
	header := []string{"server", "weight", "active", "inactive", c.numLabel}
	if c.ratioLabel != "" {
		header = append(header, c.ratioLabel)
	}
	t := newTable("lrrrrr", header...)
	for _, s := range d.Servers {
		cells := []string{s.Name, fmt.Sprint(s.Weight), fmt.Sprint(s.Active), fmt.Sprint(s.Inactive), fmt.Sprint(c.num(s))}
		if c.ratioLabel != "" {
			ratio := "-"
			if den := c.den(s); den > 0 {
				ratio = fmt.Sprintf("%.3f", float64(c.num(s))/float64(den))
			}
			cells = append(cells, ratio)
		}
		var notes []string
		if s.Overloaded {
			notes = append(notes, "overloaded")
		}
		if slices.Contains(allowed, s.Name) {
			notes = append(notes, "allowed")
		}
		if s.Name == d.Chosen {
			notes = append(notes, "chosen")
		}
		note := ""
		if len(notes) > 0 {
			note = "<- " + strings.Join(notes, ", ")
		}
		t.add(append(cells, note)...)
	}
	head := fmt.Sprintf("connection #%d: chose %s, %s allows %s\n", i+1, d.Chosen, scheduler, orNone(allowed))
	if !slices.ContainsFunc(d.Servers, func(s ServerState) bool { return s.Name == d.Chosen }) {
		head = fmt.Sprintf("connection #%d: chose %s, which is not in the server list; %s allows %s\n", i+1, d.Chosen, scheduler, orNone(allowed))
	}
	return head + t.String() + "\n"
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none (no eligible server)"
	}
	return strings.Join(names, " or ")
}
