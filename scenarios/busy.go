package scenarios

import (
	"container/heap"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/lvslab/lvslab/assert"
	"github.com/lvslab/lvslab/assert/model"
	"github.com/lvslab/lvslab/topology"
	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// busyShares runs a phase's closed loop through the model, in simulated time: concurrency connections at
// a time, each holding its server for that server's mean answer time, the next started as soon as one
// ends, as the load generator does. It returns how many of the connections each server takes: what a
// dynamic scheduler (lc, wlc, sed, nq) gives a slow server. What it leaves out, and why the scenario
// states a bound: each connection's own time (it takes each server's mean), and the entries of earlier
// phases (rules is every command so far, replayed on an empty table).
func busyShares(topo *topology.Topology, rules []ipvsadm.Command, clients []netip.Addr, concurrency int, answer map[string]time.Duration) (map[string]int, error) {
	p, err := replayed(topo, rules)
	if err != nil {
		return nil, err
	}
	took := map[string]int{}
	var inFlight flights
	start := func(i int) error {
		conn := model.Conn{Proto: model.Protocol(p.key.Protocol), Client: netip.AddrPortFrom(clients[i], 0), Virtual: p.key.Addr}
		e, err := p.svc.Connect(conn)
		if err != nil {
			return fmt.Errorf("connection %d: %w", i+1, err)
		}
		server := p.serverName(e.Dest.Addr())
		d, ok := answer[server]
		if !ok {
			return fmt.Errorf("the model sends connection %d to %s, which answered none in the run: its answer time is unknown", i+1, server)
		}
		took[server]++
		heap.Push(&inFlight, flight{end: p.svc.Now() + d, seq: i, entry: e})
		return nil
	}
	next := 0
	for ; next < min(concurrency, len(clients)); next++ {
		if err := start(next); err != nil {
			return nil, err
		}
	}
	for inFlight.Len() > 0 {
		f := heap.Pop(&inFlight).(flight)
		p.svc.Advance(f.end - p.svc.Now())
		p.svc.Close(f.entry)
		if next < len(clients) {
			if err := start(next); err != nil {
				return nil, err
			}
			next++
		}
	}
	return took, nil
}

// modelShares checks the split against busyShares' with each server's answer time measured in the run,
// within points percentage points of the connections.
func (r *runner) modelShares(points int, clients []netip.Addr, concurrency int, perServer map[string]time.Duration, split map[string]int) assert.Verdict {
	const name = "model shares (timed)"
	predicted, err := busyShares(r.topo, r.rules, clients, concurrency, perServer)
	if err != nil {
		return assert.Verdict{Name: name, Summary: err.Error(), Err: err}
	}
	weights := map[string]float64{}
	for s, n := range predicted {
		weights[s] = float64(n)
	}
	v := assert.ProportionsWithin(weights, split, float64(points)*float64(len(clients))/100)
	v.Name = name
	var times, shares []string
	for _, s := range slices.Sorted(maps.Keys(perServer)) {
		times = append(times, fmt.Sprintf("%s %s", s, perServer[s].Round(100*time.Microsecond)))
		shares = append(shares, fmt.Sprintf("%s %d (model %d)", s, split[s], predicted[s]))
	}
	v.Summary = fmt.Sprintf("each server within ±%d points of the model's share, run with the mean answer times measured (%s); took %s: %s",
		points, strings.Join(times, ", "), strings.Join(shares, ", "), v.Summary)
	return v
}

type flight struct {
	end   time.Duration
	seq   int
	entry *model.Entry
}

// flights is a heap of connections in flight, the first to end on top (the first started, at a tie).
type flights []flight

func (f flights) Len() int { return len(f) }
func (f flights) Less(i, j int) bool {
	if f[i].end != f[j].end {
		return f[i].end < f[j].end
	}
	return f[i].seq < f[j].seq
}
func (f flights) Swap(i, j int) { f[i], f[j] = f[j], f[i] }
func (f *flights) Push(x any)   { *f = append(*f, x.(flight)) }
func (f *flights) Pop() any {
	old := *f
	x := old[len(old)-1]
	*f = old[:len(old)-1]
	return x
}
