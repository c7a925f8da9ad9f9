package loadgen

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestSummarizeIsExact(t *testing.T) {
	var latencies []time.Duration
	for i := range 100 {
		latencies = append(latencies, time.Duration(i+1)*time.Millisecond)
	}
	rand.Shuffle(len(latencies), func(i, j int) { latencies[i], latencies[j] = latencies[j], latencies[i] })
	want := Latency{Min: time.Millisecond, Mean: 50500 * time.Microsecond, P50: 50 * time.Millisecond,
		P90: 90 * time.Millisecond, P99: 99 * time.Millisecond, Max: 100 * time.Millisecond}
	if got := summarize(latencies); got != want {
		t.Errorf("summarize = %+v, want %+v", got, want)
	}
	if got := summarize([]time.Duration{7}); got != (Latency{7, 7, 7, 7, 7, 7}) {
		t.Errorf("one value: %+v", got)
	}
	if got := summarize(nil); got != (Latency{}) {
		t.Errorf("no values: %+v", got)
	}
}
