package loadgen

import (
	"math"
	"testing"
	"time"
)

func TestRunRateHoldsTheRateAndAttributesServers(t *testing.T) {
	rs1, rs2 := startServer(t, "rs1", nil), startServer(t, "rs2", nil)
	director := startProxy(t, rs1, rs2)
	res := measure(t, RunRate, Options{URL: director.url, Rate: 200, Duration: time.Second})

	wantNoFailures(t, res)
	if res.Requests < 190 || res.Requests > 210 || res.Completed != res.Requests {
		t.Errorf("%d requests, %d completed; want about 200", res.Requests, res.Completed)
	}
	if res.Connections != res.Requests || director.accepted.Load() != int64(res.Requests) {
		t.Errorf("%d connections for %d requests, director accepted %d", res.Connections, res.Requests, director.accepted.Load())
	}
	total := 0
	for _, rs := range []*realServer{rs1, rs2} {
		got := res.PerServer[rs.name]
		if got == nil || math.Abs(float64(got.Connections)-float64(res.Requests)/2) > 1 ||
			int64(got.Connections) != rs.accepted.Load() || int64(got.Requests) != rs.requests.Load() {
			t.Errorf("%s: measured %+v, server accepted %d and served %d; want half of %d",
				rs.name, got, rs.accepted.Load(), rs.requests.Load(), res.Requests)
			continue
		}
		total += got.Connections
	}
	if total != res.Requests {
		t.Errorf("servers got %d connections in all, want %d", total, res.Requests)
	}
}

func TestRunRateKeepAliveCountsEachConnectionOnce(t *testing.T) {
	rs1 := startServer(t, "rs1", nil)
	res := measure(t, RunRate, Options{URL: rs1.url, Rate: 200, Duration: 500 * time.Millisecond, KeepAlive: true})

	wantNoFailures(t, res)
	accepted := rs1.accepted.Load()
	if res.Connections >= res.Requests || int64(res.Connections) != accepted {
		t.Errorf("%d requests over %d connections, server accepted %d; want fewer connections than requests",
			res.Requests, res.Connections, accepted)
	}
	// net/http may dial a connection for a request and then hand the request an
	// idle one that came free first; a connection that never carried a response
	// cannot be attributed.
	if got := res.PerServer["rs1"]; got == nil || got.Requests != res.Requests || got.Connections < 1 || int64(got.Connections) > accepted {
		t.Errorf("PerServer = %v; want rs1 with %d requests over 1 to %d connections", res.PerServer, res.Requests, accepted)
	}
}

func TestRunRateStopsAfterRequests(t *testing.T) {
	rs1 := startServer(t, "rs1", nil)
	res := measure(t, RunRate, Options{URL: rs1.url, Rate: 400, Duration: 5 * time.Second, Requests: 40})

	if res.Requests != 40 || rs1.requests.Load() != 40 || res.Duration > 2*time.Second {
		t.Errorf("%d requests (server served %d) in %v; want 40 in about 100ms", res.Requests, rs1.requests.Load(), res.Duration)
	}
}

func TestRunRateTimeLimitInterruptsRequestsInFlight(t *testing.T) {
	silent := startRawServer(t, neverAnswer)
	began := time.Now()
	res := measure(t, RunRate, Options{URL: silent.url, Rate: 20, Duration: 200 * time.Millisecond, TimeLimit: 300 * time.Millisecond})

	if took := time.Since(began); took > 3*time.Second {
		t.Errorf("took %v with a time limit of 300ms and a timeout of 10s", took)
	}
	if !res.TimeLimitReached || res.Requests != 0 || silent.accepted.Load() == 0 {
		t.Errorf("time limit reached %t, %d requests, server accepted %d; want true, 0, some",
			res.TimeLimitReached, res.Requests, silent.accepted.Load())
	}
}
