package loadgen

import (
	"net/netip"
	"time"
)

// UnknownServer is the PerServer key for responses without wire.ServerHeader.
const UnknownServer = "unknown"

// Result is what a run measured. It is plain data, meant to cross a process
// boundary as JSON.
type Result struct {
	URL         string  `json:"url"`
	Concurrency int     `json:"concurrency"`
	KeepAlive   bool    `json:"keep_alive"`
	Rate        float64 `json:"rate,omitempty"` // open loop only
	// Datagrams is, for a udp:// URL, the datagrams each socket sent (Options.Datagrams). Connections then
	// counts sockets, Requests datagrams, and Sequence and Clients have an entry for every answered datagram.
	Datagrams int `json:"datagrams,omitempty"`

	// Requests counts the requests that came to an end, completed or failed; a
	// request cut off by the end of the run is not counted.
	Requests int `json:"requests"`
	// Completed counts 2xx and 3xx responses.
	Completed int `json:"completed"`
	// Connections counts the TCP connections opened.
	Connections int `json:"connections"`
	// Duration is the wall time of the run.
	Duration          time.Duration `json:"duration_ns"`
	RequestsPerSecond float64       `json:"requests_per_second"`
	// PerServer is keyed by the wire.ServerHeader of the responses (UnknownServer when
	// missing). A connection counts once, for the server of its first response;
	// one that carried no response (it failed, or, with RunRate and keep-alive,
	// net/http dialed it but used another) counts in Connections only.
	PerServer map[string]*ServerCount `json:"per_server"`
	// Sequence is the server of each connection, when Options.Sequence asked for it.
	Sequence []string `json:"sequence,omitempty"`
	// Clients is, with Sequence, the client address each connection's server saw (wire.ClientHeader), "" when
	// it did not say: the address a scheduler hashed.
	Clients []string `json:"clients,omitempty"`
	// Locals is, with Sequence, the local address and port of every connection (UDP: socket) opened, in the
	// order opened, answered or not: what the director's connection table is keyed by.
	Locals []netip.AddrPort `json:"locals,omitempty"`
	// Failed is, with Sequence, every new connection that failed before its first response, and every
	// request that failed on a kept connection (Kept), in the order they ended: its place among the
	// connections (Sequence's answered ones and the new ones failed, in the order each ended: with
	// Concurrency 1, the order the scheduler chose them; with several pollers, each one's in turn),
	// where it came from, and why.
	Failed   []FailedConn `json:"failed,omitempty"`
	Failures Failures     `json:"failures"`
	// Latency summarises the completed requests, connecting included.
	Latency Latency `json:"latency"`
	// TimeLimitReached says the run stopped at Options.TimeLimit, not done.
	TimeLimitReached bool `json:"time_limit_reached,omitempty"`
	// Interrupted says the run was stopped part-way by its caller (a signal), not done.
	Interrupted bool `json:"interrupted,omitempty"`
}

// FailedConn is one new connection that failed before its first response.
type FailedConn struct {
	Index   int            `json:"index"`   // how many connections ended before it
	Local   netip.AddrPort `json:"local"`   // where it came from: what the director's table is keyed by
	Failure string         `json:"failure"` // Failures' name for its cause: refused, reset, timeout, …
	// Kept says a request failed on a connection kept from an earlier one (keep-alive), which has its
	// place already: Index is where it failed.
	Kept bool `json:"kept,omitempty"`
	// Server is the server a failed answer named (a bad status): that connection is in Sequence, at Index
	// unless Kept. Local is then not recorded.
	Server string `json:"server,omitempty"`
}

// ServerCount is what one real server answered.
type ServerCount struct {
	Connections int `json:"connections"`
	Requests    int `json:"requests"`
	// Latency is the mean time its answered requests took, connecting included: how long it held a
	// connection, in a closed loop without keep-alive.
	Latency time.Duration `json:"latency_ns,omitempty"`

	latencySum time.Duration
}

// Failures counts the requests that did not complete, by cause.
type Failures struct {
	Refused int `json:"refused"` // ECONNREFUSED
	Reset   int `json:"reset"`   // ECONNRESET or EPIPE before the response was whole
	// ResetAfterResponse counts responses that arrived whole, the server's FIN too, but that the server
	// then reset (ab's "Exceptions"): it had forgotten the connection, as a server whose TIME_WAIT table
	// overflowed does. The response still counts for its server in PerServer. Run only.
	ResetAfterResponse int `json:"reset_after_response"`
	NoResponse         int `json:"no_response"`    // the connection closed before any byte of a response
	ShortResponse      int `json:"short_response"` // the connection closed part-way through the response
	Timeout            int `json:"timeout"`        // Options.Timeout passed
	Unreachable        int `json:"unreachable"`    // EHOSTUNREACH, ENETUNREACH
	BadStatus          int `json:"bad_status"`     // a response, but not 2xx or 3xx
	BadResponse        int `json:"bad_response"`   // not parseable as HTTP/1.x
	Other              int `json:"other"`
	// Example is the first failure's message, to explain the counts.
	Example string `json:"example,omitempty"`
}

// Total is the number of failed requests.
func (f Failures) Total() int {
	total := 0
	for _, c := range f.byClass() {
		total += c.count
	}
	return total
}

type classCount struct {
	name  string
	count int
}

func (f Failures) byClass() []classCount {
	return []classCount{
		{"refused", f.Refused}, {"reset", f.Reset}, {"reset after the response", f.ResetAfterResponse},
		{"no response", f.NoResponse}, {"short response", f.ShortResponse}, {"timeout", f.Timeout},
		{"unreachable", f.Unreachable}, {"bad status", f.BadStatus},
		{"bad response", f.BadResponse}, {"other", f.Other},
	}
}

// Latency is an exact summary over all completed requests.
type Latency struct {
	Min  time.Duration `json:"min_ns"`
	Mean time.Duration `json:"mean_ns"`
	P50  time.Duration `json:"p50_ns"`
	P90  time.Duration `json:"p90_ns"`
	P99  time.Duration `json:"p99_ns"`
	Max  time.Duration `json:"max_ns"`
}
