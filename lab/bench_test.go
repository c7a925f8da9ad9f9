package lab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/lvslab/lvslab/internal/benchpair"
	"github.com/lvslab/lvslab/internal/needs"
	"github.com/lvslab/lvslab/internal/scaletopo"
	"github.com/lvslab/lvslab/topology"
)

// BenchmarkUpDown times lvslab's Up and Down of NAT labs with 10, 100 and 1000 real servers against the
// same labs built by a shell script of `ip` commands (ipScript), in interleaved pairs: each iteration is a
// pair at every size (-benchtime 5x: five), lvslab first in one pair and the script in the next. It prints
// the medians and the per-pair ratios. -short (make bench-quick) leaves out the 1000.
func BenchmarkUpDown(b *testing.B) {
	needs.Root(b)
	if _, err := exec.LookPath("ip"); err != nil {
		b.Skip("needs iproute2's ip for the comparison script")
	}
	sizes := []int{10, 100, 1000}
	if testing.Short() {
		sizes = sizes[:2]
	}
	type size struct {
		n        int
		topo     *topology.Topology
		script   string
		up, down benchpair.Pairs
	}
	var all []*size
	for _, n := range sizes {
		topo, err := topology.Parse(fmt.Sprintf("%d-servers.yaml", n), scaletopo.ManyServers(n))
		if err != nil {
			b.Fatal(err)
		}
		script := filepath.Join(b.TempDir(), fmt.Sprintf("ip-%d.sh", n))
		if err := os.WriteFile(script, []byte(ipScript(topo)), 0o755); err != nil {
			b.Fatal(err)
		}
		all = append(all, &size{n: n, topo: topo, script: script})
	}
	sh := func(script, op, prefix string) {
		if out, err := exec.Command("sh", script, op, prefix).CombinedOutput(); err != nil {
			if op == "up" {
				exec.Command("sh", script, "down", prefix).Run()
			}
			b.Fatalf("ip script %s: %v\n%s", op, err, out)
		}
	}
	ctx := context.Background()
	for b.Loop() {
		for _, z := range all {
			var lvUp, lvDown, shUp, shDown float64
			prefix := uniqueName(b)
			z.up.FirstOf(func() {
				var l *Lab
				lvUp = benchpair.Time(func() {
					var err error
					if l, err = Up(ctx, z.topo, Options{Name: uniqueName(b), StateDir: b.TempDir(), WithoutIPVS: true}); err != nil {
						b.Fatal(err)
					}
				})
				lvDown = benchpair.Time(func() {
					if err := l.Down(ctx); err != nil {
						b.Fatal(err)
					}
				})
			}, func() {
				shUp = benchpair.Time(func() { sh(z.script, "up", prefix) })
				shDown = benchpair.Time(func() { sh(z.script, "down", prefix) })
			})
			z.up.A, z.up.B = append(z.up.A, lvUp), append(z.up.B, shUp)
			z.down.A, z.down.B = append(z.down.A, lvDown), append(z.down.B, shDown)
		}
	}
	for _, z := range all {
		z.up.Report(b, fmt.Sprintf("lab up, %d real servers", z.n), "lvslab", "ip-script", "s")
		z.down.Report(b, fmt.Sprintf("lab down, %d real servers", z.n), "lvslab", "ip-script", "s")
	}
}
