package scenarios

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/lvslab/lvslab/labtest"
	"github.com/lvslab/lvslab/topology"

	"github.com/lvslab/lvslab/hostload"

	"github.com/lvslab/lvslab/loadgen"
)

// BenchmarkLoadgenVsAb measures lvslab's load generator against Debian's ab on the same target, one real
// server of the NAT walkthrough reached from the director, in the same run: `ab -n 20000 -c 50` and the
// same load from lvslab, alternated, median requests per second of each. Run with -benchtime 1x (make bench).
func BenchmarkLoadgenVsAb(b *testing.B) {
	labtest.RequireRoot(b)
	abPath, err := exec.LookPath("ab")
	if err != nil {
		b.Skip("needs ab (Debian's apache2-utils) for the comparison")
	}
	const (
		requests, concurrency, rounds = 20000, 50, 3
		host, url                     = "director", "http://172.16.0.45/"
	)
	l := labtest.New(b, topology.Default())
	ctx := context.Background()
	for b.Loop() {
		var ours, theirs []float64
		for range rounds {
			out := new(bytes.Buffer)
			cmd := exec.Command(abPath, "-q", "-n", strconv.Itoa(requests), "-c", strconv.Itoa(concurrency), url)
			cmd.Stdout, cmd.Stderr = out, out
			if err := l.Run(cmd, host); err != nil {
				b.Fatalf("ab: %v\n%s", err, out)
			}
			rps, err := abRequestsPerSecond(out.String(), requests)
			if err != nil {
				b.Fatal(err)
			}
			theirs = append(theirs, rps)

			res, err := hostload.Run(ctx, l, host, loadgen.Options{URL: url, Requests: requests, Concurrency: concurrency}, nil)
			if err != nil {
				b.Fatal(err)
			}
			if res.Completed != requests {
				b.Fatalf("lvslab load: %d of %d requests completed; failures %+v", res.Completed, requests, res.Failures)
			}
			ours = append(ours, res.RequestsPerSecond)
		}
		o, t := medianOf(ours), medianOf(theirs)
		b.ReportMetric(o, "lvslab-req/s")
		b.ReportMetric(t, "ab-req/s")
		b.ReportMetric(o/t, "lvslab/ab")
		fmt.Printf("load (-n %d -c %d, one real server, median of %d): lvslab %8.0f req/s   ab %8.0f req/s   lvslab/ab %.2f\n",
			requests, concurrency, rounds, o, t, o/t)
	}
}

var (
	abRate     = regexp.MustCompile(`Requests per second:\s+([0-9.]+)`)
	abComplete = regexp.MustCompile(`Complete requests:\s+(\d+)`)
	abFailed   = regexp.MustCompile(`Failed requests:\s+(\d+)`)
)

// abRequestsPerSecond reads ab's report, insisting that every request completed.
func abRequestsPerSecond(report string, requests int) (float64, error) {
	rate, complete, failed := abRate.FindStringSubmatch(report), abComplete.FindStringSubmatch(report), abFailed.FindStringSubmatch(report)
	if rate == nil || complete == nil || failed == nil {
		return 0, fmt.Errorf("cannot read ab's report:\n%s", report)
	}
	if complete[1] != strconv.Itoa(requests) || failed[1] != "0" {
		return 0, fmt.Errorf("ab completed %s of %d requests with %s failed:\n%s", complete[1], requests, failed[1], report)
	}
	return strconv.ParseFloat(rate[1], 64)
}

func medianOf(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
