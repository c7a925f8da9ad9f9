package lab

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/lvslab/lvslab/internal/needs"

	"github.com/lvslab/lvslab/topology"
)

// BenchmarkUpDown times lvslab's Up and Down of the default topology against the same topology built by a
// shell script of `ip` commands, in the same run, and reports medians and ratios. Run with -benchtime 1x
// (make bench): each benchmark iteration does `runs` of each.
func BenchmarkUpDown(b *testing.B) {
	needs.Root(b)
	if _, err := exec.LookPath("ip"); err != nil {
		b.Skip("needs iproute2's ip for the comparison script")
	}
	const runs = 11
	ctx := context.Background()
	for b.Loop() {
		var up, down, shUp, shDown []time.Duration
		for range runs {
			name, dir := uniqueName(b), b.TempDir()
			start := time.Now()
			l, err := Up(ctx, topology.Default(), Options{Name: name, StateDir: dir, WithoutIPVS: true}) // the ip script programs no IPVS either
			if err != nil {
				b.Fatal(err)
			}
			up = append(up, time.Since(start))
			start = time.Now()
			if err := l.Down(ctx); err != nil {
				b.Fatal(err)
			}
			down = append(down, time.Since(start))

			prefix := uniqueName(b)
			start = time.Now()
			if out, err := exec.Command("testdata/nat-walkthrough-ip.sh", "up", prefix).CombinedOutput(); err != nil {
				exec.Command("testdata/nat-walkthrough-ip.sh", "down", prefix).Run()
				b.Fatalf("shell script up: %v\n%s", err, out)
			}
			shUp = append(shUp, time.Since(start))
			start = time.Now()
			if out, err := exec.Command("testdata/nat-walkthrough-ip.sh", "down", prefix).CombinedOutput(); err != nil {
				b.Fatalf("shell script down: %v\n%s", err, out)
			}
			shDown = append(shDown, time.Since(start))
		}
		mu, md, su, sd := median(up), median(down), median(shUp), median(shDown)
		b.ReportMetric(ms(mu), "up-ms")
		b.ReportMetric(ms(md), "down-ms")
		b.ReportMetric(ms(su), "ip-script-up-ms")
		b.ReportMetric(ms(sd), "ip-script-down-ms")
		b.ReportMetric(float64(su)/float64(mu), "up-speedup")
		b.ReportMetric(float64(sd)/float64(md), "down-speedup")
		fmt.Printf("lab up   (NAT walkthrough, median of %d): lvslab %6.1f ms   ip script %6.1f ms   lvslab %.1fx faster\n", runs, ms(mu), ms(su), float64(su)/float64(mu))
		fmt.Printf("lab down (NAT walkthrough, median of %d): lvslab %6.1f ms   ip script %6.1f ms   lvslab %.1fx faster\n", runs, ms(md), ms(sd), float64(sd)/float64(md))
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
