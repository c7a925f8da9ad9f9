package loadgen

import (
	"slices"
	"time"
)

// summarize sorts latencies in place and summarises them exactly.
func summarize(latencies []time.Duration) Latency {
	if len(latencies) == 0 {
		return Latency{}
	}
	slices.Sort(latencies)
	var sum time.Duration
	for _, l := range latencies {
		sum += l
	}
	return Latency{
		Min:  latencies[0],
		Mean: sum / time.Duration(len(latencies)),
		P50:  percentile(latencies, 50),
		P90:  percentile(latencies, 90),
		P99:  percentile(latencies, 99),
		Max:  latencies[len(latencies)-1],
	}
}

// percentile is the nearest-rank percentile of sorted: the smallest value that at
// least p percent of the values do not exceed.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n)
	return sorted[max(rank, 1)-1]
}
