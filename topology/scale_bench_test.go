package topology_test

import (
	"fmt"
	"testing"

	"github.com/lvslab/lvslab/internal/scaletopo"
	"github.com/lvslab/lvslab/topology"
)

// BenchmarkParseManyServers parses and validates topologies of 10, 100 and 1000 real servers with their
// rules: the time per server should stay flat (linear parsing).
func BenchmarkParseManyServers(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		data := scaletopo.ManyServers(n)
		b.Run(fmt.Sprintf("servers=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := topology.Parse("many.yaml", data); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/parse")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/server")
		})
	}
}
