package scenarios

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"testing"

	"github.com/lvslab/lvslab/hostload"
	"github.com/lvslab/lvslab/internal/benchpair"
	"github.com/lvslab/lvslab/labtest"
	"github.com/lvslab/lvslab/loadgen"
	"github.com/lvslab/lvslab/topology"
)

// BenchmarkLoadVsAbAndWrk measures lvslab's load generator against Debian's ab and wrk on the same target,
// one real server of the NAT walkthrough reached from the director, a new connection per request
// (wrk sends Connection: close), at 1, 50 and 200 connections at a time. Each iteration is one round: at
// each concurrency lvslab, ab, wrk in turn (-benchtime 5x: five rounds); it prints the median requests per
// second of each and the median and range of the per-round ratios lvslab/ab and lvslab/wrk.
func BenchmarkLoadVsAbAndWrk(b *testing.B) {
	labtest.RequireRoot(b)
	abPath, err := exec.LookPath("ab")
	if err != nil {
		b.Skip("needs ab (Debian's apache2-utils) for the comparison")
	}
	wrkPath, err := exec.LookPath("wrk")
	if err != nil {
		b.Skip("needs wrk (Debian's wrk) for the comparison")
	}
	const host, url = "director", "http://172.16.0.45/"
	levels := []struct{ concurrency, requests int }{{1, 3000}, {50, 10000}, {200, 10000}}
	l := labtest.New(b, topology.Default())
	ctx := context.Background()
	vsAb := make([]benchpair.Pairs, len(levels))
	vsWrk := make([]benchpair.Pairs, len(levels))
	round := 0
	for b.Loop() {
		for i, lv := range levels {
			var ours, abRate, wrkRate float64
			lvslab := func() {
				res, err := hostload.Run(ctx, l, host, loadgen.Options{URL: url, Requests: lv.requests, Concurrency: lv.concurrency}, nil)
				if err != nil {
					b.Fatal(err)
				}
				if res.Completed != lv.requests {
					b.Fatalf("lvslab load: %d of %d requests completed; failures %+v", res.Completed, lv.requests, res.Failures)
				}
				ours = res.RequestsPerSecond
			}
			peers := func() {
				var err error
				ab := run(b, l, host, abPath, "-q", "-n", strconv.Itoa(lv.requests), "-c", strconv.Itoa(lv.concurrency), url)
				if abRate, err = abRequestsPerSecond(ab, lv.requests); err != nil {
					b.Fatal(err)
				}
				wrk := run(b, l, host, wrkPath, "-t", strconv.Itoa(min(2, lv.concurrency)), "-c", strconv.Itoa(lv.concurrency), "-d", "3s", "-H", "Connection: close", url)
				if wrkRate, err = wrkRequestsPerSecond(wrk); err != nil {
					b.Fatal(err)
				}
			}
			if round%2 == 0 { // lvslab first in one round, last in the next
				lvslab()
				peers()
			} else {
				peers()
				lvslab()
			}
			vsAb[i].A, vsAb[i].B = append(vsAb[i].A, ours), append(vsAb[i].B, abRate)
			vsWrk[i].A, vsWrk[i].B = append(vsWrk[i].A, ours), append(vsWrk[i].B, wrkRate)
		}
		round++
	}
	for i, lv := range levels {
		vsAb[i].Report(b, fmt.Sprintf("load -c %d, req/s", lv.concurrency), "lvslab", "ab", "rps")
		vsWrk[i].Report(b, fmt.Sprintf("load -c %d, req/s", lv.concurrency), "lvslab", "wrk", "rps")
	}
}

// run runs a program in a lab host and returns its output; it must exit 0.
func run(b *testing.B, l interface {
	Run(*exec.Cmd, string) error
}, host, path string, args ...string) string {
	b.Helper()
	out := new(bytes.Buffer)
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := l.Run(cmd, host); err != nil {
		b.Fatalf("%s: %v\n%s", path, err, out)
	}
	return out.String()
}

var (
	abRate      = regexp.MustCompile(`Requests per second:\s+([0-9.]+)`)
	abComplete  = regexp.MustCompile(`Complete requests:\s+(\d+)`)
	abFailed    = regexp.MustCompile(`Failed requests:\s+(\d+)`)
	wrkRate     = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkProblems = regexp.MustCompile(`(Socket errors|Non-2xx or 3xx responses):`)
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

// wrkRequestsPerSecond reads wrk's report, insisting that no request failed.
func wrkRequestsPerSecond(report string) (float64, error) {
	rate := wrkRate.FindStringSubmatch(report)
	if rate == nil || wrkProblems.MatchString(report) {
		return 0, fmt.Errorf("wrk reported failures, or a report lvslab cannot read:\n%s", report)
	}
	return strconv.ParseFloat(rate[1], 64)
}
