package loadgen

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Options describe one load run. Zero values take the defaults noted on each field.
type Options struct {
	// URL is the page to request: http://host[:port][/path], plain HTTP only. Or udp://host[:port] (port 53
	// by default) for Run to send UDP datagrams to a UDP echo server instead: see Datagrams.
	URL string
	// Requests is ab's -n: how many requests Run makes (0 means 1, as in ab).
	// For RunRate it is an optional cap on the number of requests (0: no cap).
	Requests int
	// Concurrency is ab's -c: how many requests Run keeps in flight (0 means 1).
	// For RunRate it caps the requests in flight (0 means 1000).
	Concurrency int
	// KeepAlive is ab's -k: reuse connections. Without it every request opens a
	// new TCP connection and sends "Connection: close".
	KeepAlive bool
	// Timeout bounds each request, connecting included (0 means 10s).
	Timeout time.Duration
	// TimeLimit bounds the whole run: it stops by itself then, done or not
	// (0 means 5 minutes; for RunRate never less than Duration plus Timeout).
	TimeLimit time.Duration
	// Sources are client addresses to connect from, one per connection in turn, for
	// schedulers that hash the client address. Empty: the kernel picks.
	Sources []netip.Addr
	// Hold keeps every connection open after its response, until the run ends: each request gets a
	// connection of its own that stays established, so the director counts it active (lc, wlc, sed, nq
	// steer by active connections). Run only; implies keep-alive requests.
	Hold bool
	// Reset closes each connection with a TCP reset rather than a FIN (SO_LINGER 0), as some clients do:
	// the director then forgets the connection in 10 s (the CLOSE state) instead of two minutes
	// (TIME_WAIT), which lets persistence templates expire quickly under NAT. TCP, Run only.
	Reset bool
	// Sequence records the server of every connection in Result.Sequence, in the order the connections
	// completed: with Concurrency 1, the order the scheduler chose them. Run only. For a udp:// URL it
	// records the server of every datagram. It records, too, the local address and port of every
	// connection in Result.Locals.
	Sequence bool
	// Datagrams is, for a udp:// URL, how many datagrams each socket sends, one after another, each
	// awaiting its reply before the next (0 means 1). Requests then counts sockets, each new, with a source
	// port of its own, which IPVS schedules as a connection: all its datagrams go to the server the first
	// went to, unless the service schedules every datagram on its own (one-packet scheduling, ipvsadm -o).
	Datagrams int
	// Rate (requests per second) and Duration drive RunRate's open loop.
	Rate     float64
	Duration time.Duration
	// LocalPorts, when given, are the local ports the connections (UDP sockets) come from, in turn from
	// the first, instead of the range's (Run): a caller reuses an earlier run's ports, to meet the
	// director's entries of its connections. A port in use here or towards the target fails its
	// connection.
	LocalPorts []uint16
	// Pauses are points in a closed loop over TCP, counted in connections (requests, with KeepAlive),
	// where the run stops starting connections: once that many have ended (answered, failed, or held
	// open with Hold), Pause is called, and the run goes on when it returns. Ascending, each more than 0
	// and less than Requests. What a caller does at a pause (a fault, a rule changed) thus falls between
	// two known connections, whatever the concurrency. The run's TimeLimit runs on through the pauses.
	Pauses []int
	// Pause is called at each of Pauses with the connections ended so far; an error ends the run with it.
	Pause func(ctx context.Context, ended int) error `json:"-"`
	// Progress, when set, receives a progress line redrawn in place; pass a
	// terminal only.
	Progress io.Writer `json:"-"`
}

// maxPauses bounds Options.Pauses: a scenario's steps in one load.
const maxPauses = 100

const (
	defaultTimeout        = 10 * time.Second
	defaultTimeLimit      = 5 * time.Minute
	defaultOpenLoopFlight = 1000
	maxSequence           = 1 << 20
	maxRate               = 1e6 // vegeta paces in whole nanoseconds; this leaves a thousand per request
)

// closedLoop validates o for Run and fills in its defaults.
func (o Options) closedLoop() (Options, error) {
	if err := o.validateCommon(); err != nil {
		return o, err
	}
	if o.Rate != 0 || o.Duration != 0 {
		return o, fmt.Errorf("loadgen: Rate %g and Duration %s are given, but they drive the open loop: call RunRate, or leave them zero for Run", o.Rate, o.Duration)
	}
	o.Requests = max(o.Requests, 1)
	if err := o.udpMode(); err != nil {
		return o, err
	}
	if o.Sequence && o.Requests*o.Datagrams > maxSequence {
		return o, invalid("Requests", o.Requests, fmt.Sprintf("at most %d, datagrams included, when recording the sequence", maxSequence))
	}
	o.Concurrency = max(o.Concurrency, 1)
	if o.Concurrency > o.Requests {
		return o, invalid("Concurrency", o.Concurrency, fmt.Sprintf("at most Requests (%d), as in ab", o.Requests))
	}
	if err := o.checkPauses(); err != nil {
		return o, err
	}
	if isUDP(o.URL) && len(o.LocalPorts) > 0 && len(o.LocalPorts) < o.Requests {
		return o, invalid("LocalPorts", len(o.LocalPorts), fmt.Sprintf("one for each of the %d sockets: a UDP run keeps every socket open to its end", o.Requests))
	}
	if len(o.LocalPorts) > maxSequence || slices.Contains(o.LocalPorts, 0) {
		return o, invalid("LocalPorts", len(o.LocalPorts), fmt.Sprintf("at most %d ports, none of them 0", maxSequence))
	}
	o.Timeout = cmp.Or(o.Timeout, defaultTimeout)
	o.TimeLimit = cmp.Or(o.TimeLimit, defaultTimeLimit)
	return o, nil
}

func (o Options) checkPauses() error {
	if len(o.Pauses) == 0 {
		return nil
	}
	if isUDP(o.URL) {
		return invalid("Pauses", o.Pauses, "none for a udp:// URL: pauses are counted in TCP connections")
	}
	if len(o.Pauses) > maxPauses {
		return invalid("Pauses", len(o.Pauses), fmt.Sprintf("at most %d pauses", maxPauses))
	}
	last := 0
	for i, n := range o.Pauses {
		if n <= last || n >= o.Requests {
			return invalid(fmt.Sprintf("Pauses[%d]", i), n, fmt.Sprintf("more than %d and less than Requests (%d), ascending", last, o.Requests))
		}
		last = n
	}
	if o.Pause == nil {
		return errors.New("loadgen: Pauses are given, but no Pause function to call at them")
	}
	return nil
}

// openLoop validates o for RunRate and fills in its defaults.
func (o Options) openLoop() (Options, error) {
	if err := o.validateCommon(); err != nil {
		return o, err
	}
	if !(o.Rate > 0 && o.Rate <= maxRate) {
		return o, invalid("Rate", o.Rate, fmt.Sprintf("more than 0 and at most %g requests per second", maxRate))
	}
	if o.Hold || o.Reset {
		return o, errors.New("loadgen: Hold and Reset are for Run (the closed loop)")
	}
	if isUDP(o.URL) || o.Datagrams != 0 {
		return o, invalid("URL", o.URL, "an http:// URL for RunRate; udp:// URLs and Datagrams are for Run (the closed loop)")
	}
	if len(o.Pauses) > 0 || len(o.LocalPorts) > 0 {
		return o, errors.New("loadgen: Pauses and LocalPorts are for Run (the closed loop)")
	}
	if o.Sequence {
		return o, errors.New("loadgen: Sequence is for Run (the closed loop), where the order of connections is known")
	}
	if o.Duration <= 0 {
		return o, invalid("Duration", o.Duration, "more than 0")
	}
	if o.TimeLimit != 0 && o.TimeLimit < o.Duration {
		return o, invalid("TimeLimit", o.TimeLimit, fmt.Sprintf("at least Duration (%s), or 0 for the default", o.Duration))
	}
	o.Concurrency = cmp.Or(o.Concurrency, defaultOpenLoopFlight)
	o.Timeout = cmp.Or(o.Timeout, defaultTimeout)
	o.TimeLimit = cmp.Or(o.TimeLimit, max(defaultTimeLimit, o.Duration+o.Timeout))
	return o, nil
}

func (o Options) validateCommon() error {
	if _, err := parseURL(o.URL); err != nil {
		return err
	}
	for _, c := range []struct {
		field string
		value int64
		given any
	}{
		{"Requests", int64(o.Requests), o.Requests},
		{"Concurrency", int64(o.Concurrency), o.Concurrency},
		{"Timeout", int64(o.Timeout), o.Timeout},
		{"TimeLimit", int64(o.TimeLimit), o.TimeLimit},
		{"Datagrams", int64(o.Datagrams), o.Datagrams},
	} {
		if c.value < 0 {
			return invalid(c.field, c.given, "0 (the default) or more")
		}
	}
	for i, s := range o.Sources {
		if !s.IsValid() || s.IsUnspecified() {
			return invalid(fmt.Sprintf("Sources[%d]", i), s, "a client IP address")
		}
	}
	return nil
}

// parseURL accepts http://host[:port][/path?query] and udp://host[:port], and nothing else.
func parseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("loadgen: no URL given; want http://host[:port]/path or udp://host[:port]")
	}
	lower := strings.ToLower(raw)
	if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "udp://") {
		return nil, invalid("URL", raw, "an http:// URL (only plain HTTP is supported), or udp://host[:port] for datagrams")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("loadgen: URL %q: %w", raw, err)
	}
	if u.Hostname() == "" {
		return nil, invalid("URL", raw, "a URL with a host: http://host[:port]/path or udp://host[:port]")
	}
	if u.Scheme == "udp" && (strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.User != nil) {
		return nil, invalid("URL", raw, "udp://host[:port] and nothing more: a datagram has no path, query or user")
	}
	return u, nil
}

func invalid(field string, given any, allowed string) error {
	return fmt.Errorf("loadgen: %s is %v; allowed: %s", field, given, allowed)
}
