package loadgen

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"testing"
	"time"
)

// bothLoops runs the same load closed (a few requests) and open (a few per second).
var bothLoops = []struct {
	name string
	run  func(context.Context, Options) (*Result, error)
	load func(*Options)
}{
	{"closed", Run, func(o *Options) { o.Requests, o.Concurrency = 6, 3 }},
	{"open", RunRate, func(o *Options) { o.Rate, o.Duration = 30, 200*time.Millisecond }},
}

// TestFailureClasses provokes every kind of failure for real and checks that
// each request lands in its class, for both loops.
func TestFailureClasses(t *testing.T) {
	cases := []struct {
		name     string
		target   func(t *testing.T) (url string, accepted func() int64)
		options  func(*Options)
		class    func(Failures) int
		answered bool // responses still attributed to their server
	}{
		{
			name:   "refused",
			target: func(t *testing.T) (string, func() int64) { return closedPortURL(t), nil },
			class:  func(f Failures) int { return f.Refused },
		},
		{
			name:   "reset",
			target: rawTarget(resetAtOnce),
			class:  func(f Failures) int { return f.Reset },
		},
		{
			name:   "no response",
			target: rawTarget(closeWithoutAnswer),
			class:  func(f Failures) int { return f.NoResponse },
		},
		{
			name:   "short response",
			target: rawTarget(answerPartly),
			class:  func(f Failures) int { return f.ShortResponse },
		},
		{
			name:    "timeout",
			target:  rawTarget(neverAnswer),
			options: func(o *Options) { o.Timeout = 150 * time.Millisecond },
			class:   func(f Failures) int { return f.Timeout },
		},
		{
			// The kernel refuses to connect TCP to a broadcast address; nothing is sent.
			name:   "unreachable",
			target: func(*testing.T) (string, func() int64) { return "http://255.255.255.255:80/", nil },
			class:  func(f Failures) int { return f.Unreachable },
		},
		{
			name: "bad status",
			target: func(t *testing.T) (string, func() int64) {
				rs := startServer(t, "rs1", func(w http.ResponseWriter, _ *http.Request) {
					http.Error(w, "broken", http.StatusInternalServerError)
				})
				return rs.url, rs.accepted.Load
			},
			class:    func(f Failures) int { return f.BadStatus },
			answered: true,
		},
		{
			name:   "bad response",
			target: rawTarget(answerGarbage),
			class:  func(f Failures) int { return f.BadResponse },
		},
		{
			// 198.51.100.7 (TEST-NET-2) is no address of this host: bind fails.
			name:    "other",
			target:  func(t *testing.T) (string, func() int64) { return closedPortURL(t), nil },
			options: func(o *Options) { o.Sources = []netip.Addr{netip.MustParseAddr("198.51.100.7")} },
			class:   func(f Failures) int { return f.Other },
		},
	}
	for _, c := range cases {
		for _, loop := range bothLoops {
			t.Run(c.name+"/"+loop.name, func(t *testing.T) {
				url, accepted := c.target(t)
				o := Options{URL: url}
				loop.load(&o)
				if c.options != nil {
					c.options(&o)
				}
				res, err := loop.run(context.Background(), o)
				if err != nil {
					t.Fatal(err)
				}
				f := res.Failures
				if res.Requests == 0 || c.class(f) != res.Requests || f.Total() != res.Requests || res.Completed != 0 {
					t.Fatalf("%d requests, %d completed, failures %+v; want every request in class %q",
						res.Requests, res.Completed, f, c.name)
				}
				// Each request reached the server on a connection of its own (which
				// a reset may have broken before connect returned, so that loadgen
				// did not count it as opened).
				if accepted != nil && accepted() != int64(res.Requests) {
					t.Errorf("server accepted %d connections for %d requests", accepted(), res.Requests)
				}
				wantAttributed := 0
				if c.answered {
					wantAttributed = res.Requests
				}
				if got := res.PerServer["rs1"]; wantAttributed > 0 && (got == nil || got.Requests != wantAttributed || got.Connections != wantAttributed) {
					t.Errorf("PerServer = %v, want rs1 with %d connections and requests", res.PerServer, wantAttributed)
				}
				if wantAttributed == 0 && len(res.PerServer) != 0 {
					t.Errorf("PerServer = %v, want none", res.PerServer)
				}
			})
		}
	}
}

func rawTarget(handle func(net.Conn)) func(t *testing.T) (string, func() int64) {
	return func(t *testing.T) (string, func() int64) {
		s := startRawServer(t, handle)
		return s.url, s.accepted.Load
	}
}
