package loadgen

import (
	"cmp"
	"fmt"
	"net/netip"
	"time"
)

// outcome is what one request came to.
type outcome struct {
	failure   failureClass // noFailure: completed
	answered  bool         // a whole response arrived: status and server are set
	status    int
	server    string
	client    string
	freshConn bool           // the first response on its connection
	local     netip.AddrPort // a failed new connection's local address and port, when recorded
	latency   time.Duration
	err       error
}

func answered(resp response, freshConn bool, latency time.Duration) outcome {
	return outcome{failure: statusClass(resp.status), answered: true, status: resp.status,
		server: resp.server, client: resp.client, freshConn: freshConn, latency: latency}
}

// tally adds outcomes up. Run keeps one per worker and merges them at the end.
type tally struct {
	requests  int
	completed int
	failures  [numClasses]int
	example   string
	latencies []time.Duration
	perServer map[string]*ServerCount
	sequence  []string     // nil unless recorded
	clients   []string     // with sequence
	failed    []FailedConn // with sequence: connections that failed, and requests on kept ones
	// failedFresh counts the new connections in failed: with sequence, the connections so far
	failedFresh int
	// everyRequest records the server of every answered request in sequence, not only of each
	// connection's first: a UDP socket's datagrams are each scheduled on their own under ipvsadm -o.
	everyRequest bool
}

func newTally() *tally { return &tally{perServer: map[string]*ServerCount{}} }

// recording makes the tally record the server of every connection.
func (t *tally) recording(on bool) *tally {
	if on {
		t.sequence, t.clients = []string{}, []string{}
	}
	return t
}

// recordingEveryRequest makes a recording tally record the server of every answered request.
func (t *tally) recordingEveryRequest() *tally {
	t.everyRequest = true
	return t
}

func (t *tally) add(o outcome) {
	t.requests++
	if o.answered {
		s := t.server(cmp.Or(o.server, UnknownServer))
		s.Requests++
		s.latencySum += o.latency
		if o.freshConn {
			s.Connections++
		}
		if t.sequence != nil && (o.freshConn || t.everyRequest) {
			t.sequence = append(t.sequence, cmp.Or(o.server, UnknownServer))
			t.clients = append(t.clients, o.client)
		}
	}
	if o.failure == noFailure {
		t.completed++
		t.latencies = append(t.latencies, o.latency)
		return
	}
	t.failures[o.failure]++
	if t.sequence != nil {
		t.recordFailed(o)
	}
	if t.example == "" {
		t.example = o.describe()
	}
}

// recordFailed records a failed request in its place among the connections: one that failed before its
// answer with its local port, one answered with a failure (a bad status) under the server that gave it.
func (t *tally) recordFailed(o outcome) {
	f := FailedConn{Index: len(t.sequence) + t.failedFresh, Failure: classNames[o.failure]}
	switch {
	case !o.answered:
		f.Local, f.Kept = o.local, !o.freshConn
		if o.freshConn {
			t.failedFresh++
		}
	case o.freshConn || t.everyRequest: // in the sequence already
		f.Index--
		f.Server = cmp.Or(o.server, UnknownServer)
	default: // answered on a kept connection
		f.Server, f.Kept = cmp.Or(o.server, UnknownServer), true
	}
	t.failed = append(t.failed, f)
}

func (o outcome) describe() string {
	if o.err != nil {
		return o.err.Error()
	}
	return fmt.Sprintf("status %d from %s", o.status, cmp.Or(o.server, UnknownServer))
}

func (t *tally) server(name string) *ServerCount {
	s := t.perServer[name]
	if s == nil {
		s = &ServerCount{}
		t.perServer[name] = s
	}
	return s
}

// merged adds up the workers' tallies into t.
func (t *tally) merged(parts []*tally) *tally {
	for _, p := range parts {
		t.merge(p)
	}
	return t
}

func (t *tally) merge(other *tally) {
	t.requests += other.requests
	t.completed += other.completed
	for c, n := range other.failures {
		t.failures[c] += n
	}
	t.example = cmp.Or(t.example, other.example)
	t.latencies = append(t.latencies, other.latencies...)
	if other.sequence != nil {
		base := len(t.sequence) + t.failedFresh
		for _, f := range other.failed {
			f.Index += base
			t.failed = append(t.failed, f)
		}
		t.failedFresh += other.failedFresh
		t.sequence = append(t.sequence, other.sequence...)
		t.clients = append(t.clients, other.clients...)
	}
	for name, o := range other.perServer {
		s := t.server(name)
		s.Connections += o.Connections
		s.Requests += o.Requests
		s.latencySum += o.latencySum
	}
}

func (t *tally) result(connections int64, elapsed time.Duration) *Result {
	f := t.failures
	r := &Result{
		Requests:    t.requests,
		Completed:   t.completed,
		Connections: int(connections),
		Duration:    elapsed,
		PerServer:   t.perServer,
		Failures: Failures{
			Refused: f[refused], Reset: f[reset], ResetAfterResponse: f[resetAfterResponse],
			NoResponse: f[noResponse], ShortResponse: f[shortResponse], Timeout: f[timedOut], Unreachable: f[unreachable],
			BadStatus: f[badStatus], BadResponse: f[badResponse], Other: f[otherFailure],
			Example: t.example,
		},
		Latency:  summarize(t.latencies),
		Sequence: t.sequence,
		Clients:  t.clients,
		Failed:   t.failed,
	}
	for _, s := range r.PerServer {
		if s.Requests > 0 {
			s.Latency = s.latencySum / time.Duration(s.Requests)
		}
	}
	if elapsed > 0 {
		r.RequestsPerSecond = float64(t.requests) / elapsed.Seconds()
	}
	return r
}
