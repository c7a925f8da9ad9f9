package realserver

import (
	"math"
	"net/http"
	"sync/atomic"
)

// failer fails a share of a server's requests with 503 Service Unavailable, evenly spread: request k
// fails when k × the share passes a whole number, so that n requests fail ⌊n × share⌋ times, every run.
type failer struct {
	perMillion uint64 // the share, in parts per million
	n          atomic.Uint64
}

func newFailer(percent float64) *failer {
	return &failer{perMillion: uint64(math.Round(min(max(percent, 0), 100) * 10_000))}
}

// failing makes h fail its share of requests; the failed ones count as answered, and name the server.
func (f *failer) failing(host string, c *counters, h http.Handler) http.Handler {
	if f == nil || f.perMillion == 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !f.fails(f.n.Add(1)) {
			h.ServeHTTP(w, r)
			return
		}
		c.requests.Add(1)
		identify(w, host, r)
		http.Error(w, "Service Unavailable (lvslab: this server fails a share of its requests)", http.StatusServiceUnavailable)
	})
}

func (f *failer) fails(k uint64) bool {
	return k*f.perMillion/1_000_000 > (k-1)*f.perMillion/1_000_000
}
