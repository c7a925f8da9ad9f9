package loadgen

import (
	"context"
	"testing"
)

// BenchmarkClosedLoop makes b.N requests at concurrency 50, one connection each.
func BenchmarkClosedLoop(b *testing.B) {
	rs1 := startServer(b, "rs1", nil)
	b.ResetTimer()
	res, err := Run(context.Background(), Options{URL: rs1.url, Requests: b.N, Concurrency: min(50, b.N)})
	if err != nil {
		b.Fatal(err)
	}
	if res.Completed != b.N {
		b.Fatalf("%d of %d requests completed: %+v", res.Completed, b.N, res.Failures)
	}
	b.ReportMetric(res.RequestsPerSecond, "req/s")
}
