package main

import (
	"os/exec"
	"testing"
	"time"

	"github.com/lvslab/lvslab/internal/benchpair"
	"github.com/lvslab/lvslab/internal/needs"
	"github.com/lvslab/lvslab/labtest"
)

// timed runs lvslab with args and returns how long it took; the run must exit 0.
func timed(b *testing.B, c *cli, args ...string) float64 {
	b.Helper()
	start := time.Now()
	if out, err := c.command(args...).CombinedOutput(); err != nil {
		b.Fatalf("lvslab %v: %v\n%s", args, err, out)
	}
	return time.Since(start).Seconds()
}

// BenchmarkVMLabUp: `up` of a lab in a microVM against `vm -- true` on the same machine, a pair per
// iteration (make bench prints the medians and the per-pair ratio). -short leaves it out.
func BenchmarkVMLabUp(b *testing.B) {
	needMicroVMBench(b)
	if testing.Short() {
		b.Skip("-short: a lab's microVM takes seconds to come up")
	}
	c := &cli{t: b, stateDir: b.TempDir()}
	var p benchpair.Pairs
	for b.Loop() {
		p.Add(func() float64 {
			name := labName()
			defer timed(b, c, "down", name)
			return timed(b, c, "up", "--vm=always", "--name", name)
		}, func() float64 { return timed(b, c, "vm", "--", "true") })
	}
	p.Report(b, "up in a microVM vs vm -- true", "up", "vm-true", "s")
}

// BenchmarkExecRoundTrip: `exec director -- true` on a lab in a microVM against the same on a native lab,
// ten pairs per iteration; the microVM's round trip should stay under 50 ms.
func BenchmarkExecRoundTrip(b *testing.B) {
	needMicroVMBench(b)
	// The binary users run: this test binary is twice its size, unstripped, and its start alone adds 8 ms
	// to both sides.
	c := &cli{t: b, stateDir: b.TempDir(), exe: needs.Lvslab(b, b.TempDir())}
	inVM, native := labName(), labName()
	timed(b, c, "up", "--vm=always", "--name", inVM)
	defer timed(b, c, "down", inVM)
	timed(b, c, "up", "--vm=never", "--name", native)
	defer timed(b, c, "down", native)
	var p benchpair.Pairs
	for b.Loop() {
		for range 10 {
			p.Add(func() float64 { return 1000 * timed(b, c, "exec", "--lab", inVM, "director", "--", "true") },
				func() float64 { return 1000 * timed(b, c, "exec", "--lab", native, "director", "--", "true") })
		}
	}
	p.Report(b, "exec director -- true", "microVM", "native", "ms")
}

func needMicroVMBench(b *testing.B) {
	b.Helper()
	labtest.RequireRoot(b)
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		b.Skip("qemu-system-x86_64 not installed")
	}
}
