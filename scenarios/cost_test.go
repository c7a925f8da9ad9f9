package scenarios

import (
	"testing"
	"time"
)

// The estimates order the built-in suite as it runs: the tutorial's 10,000 connections and the waits
// for templates to expire take longest, a few connections under rr least.
func TestEstimateOrdersTheSuiteAsItRuns(t *testing.T) {
	suite, err := Suite()
	if err != nil {
		t.Fatal(err)
	}
	est := map[string]time.Duration{}
	for _, sc := range suite {
		est[sc.Name] = Estimate(sc)
	}
	for _, o := range [][2]string{
		{"wrr-tutorial", "nat-persistence-expiry"},
		{"nat-persistence-expiry", "dr-persistence-expiry"},
		{"dr-persistence-expiry", "dr-wrr"},
		{"dr-wrr", "rr"},
	} {
		if est[o[0]] <= est[o[1]] {
			t.Errorf("%s is estimated at %s, %s at %s: want the first longer", o[0], est[o[0]], o[1], est[o[1]])
		}
	}
	if e := est["nat-persistence-expiry"]; e < 12*time.Second || e > 14*time.Second {
		t.Errorf("nat-persistence-expiry (-p 12, awaiting its template's expiry) estimated at %s, want 12-14 s", e)
	}
}
