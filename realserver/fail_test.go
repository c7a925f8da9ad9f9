package realserver

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/lvslab/lvslab/wire"
)

// A server failing 10% of its requests fails every tenth, named as itself, and counts each as answered.
func TestAServerFailsItsShareEvenly(t *testing.T) {
	c := &counters{}
	h := newFailer(10).failing("rs2", c, handler("rs2", "RS2", c))
	var failed []int
	for k := 1; k <= 25; k++ {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		if rec.Code == http.StatusServiceUnavailable {
			failed = append(failed, k)
			if rec.Header().Get(wire.ServerHeader) != "rs2" {
				t.Errorf("request %d failed without naming its server: %v", k, rec.Header())
			}
		}
	}
	if len(failed) != 2 || failed[0] != 10 || failed[1] != 20 {
		t.Errorf("requests %v failed, want the 10th and the 20th of 25", failed)
	}
	if n := c.requests.Load(); n != 25 {
		t.Errorf("%d requests counted, want all 25: a failure is an answer", n)
	}
	for k := uint64(1); k <= 100; k++ {
		if newFailer(0).fails(k) {
			t.Fatalf("at 0%%, request %d failed", k)
		}
	}
	all := newFailer(100)
	for k := uint64(1); k <= 5; k++ {
		if !all.fails(k) {
			t.Errorf("at 100%%, request %d did not fail", k)
		}
	}
}
