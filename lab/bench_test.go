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
// same labs built by a shell script of `ip` commands (ipScript), in interleaved pairs, and prints the
// medians and the per-pair ratios. -short (make bench-quick) leaves out the 1000. Run with -benchtime 1x.
func BenchmarkUpDown(b *testing.B) {
	needs.Root(b)
	if _, err := exec.LookPath("ip"); err != nil {
		b.Skip("needs iproute2's ip for the comparison script")
	}
	sizes := []int{10, 100, 1000}
	if testing.Short() {
		sizes = sizes[:2]
	}
	const pairs = 5
	ctx := context.Background()
	for b.Loop() {
		for _, n := range sizes {
			topo, err := topology.Parse(fmt.Sprintf("%d-servers.yaml", n), scaletopo.ManyServers(n))
			if err != nil {
				b.Fatal(err)
			}
			script := filepath.Join(b.TempDir(), "ip.sh")
			if err := os.WriteFile(script, []byte(ipScript(topo)), 0o755); err != nil {
				b.Fatal(err)
			}
			sh := func(op, prefix string) {
				if out, err := exec.Command("sh", script, op, prefix).CombinedOutput(); err != nil {
					if op == "up" {
						exec.Command("sh", script, "down", prefix).Run()
					}
					b.Fatalf("ip script %s: %v\n%s", op, err, out)
				}
			}
			var up, down benchpair.Pairs
			for range pairs {
				var l *Lab
				up.A = append(up.A, benchpair.Time(func() {
					if l, err = Up(ctx, topo, Options{Name: uniqueName(b), StateDir: b.TempDir(), WithoutIPVS: true}); err != nil {
						b.Fatal(err)
					}
				}))
				down.A = append(down.A, benchpair.Time(func() {
					if err := l.Down(ctx); err != nil {
						b.Fatal(err)
					}
				}))
				prefix := uniqueName(b)
				up.B = append(up.B, benchpair.Time(func() { sh("up", prefix) }))
				down.B = append(down.B, benchpair.Time(func() { sh("down", prefix) }))
			}
			up.Report(b, fmt.Sprintf("lab up, %d real servers", n), "lvslab", "ip-script", "s")
			down.Report(b, fmt.Sprintf("lab down, %d real servers", n), "lvslab", "ip-script", "s")
		}
	}
}
