package main

import (
	"os/exec"
	"testing"
	"time"

	"github.com/lvslab/lvslab/labtest"
)

// timed runs lvslab with args and returns how long it took; the run must exit 0.
func timed(b *testing.B, c *cli, args ...string) time.Duration {
	b.Helper()
	start := time.Now()
	if out, err := c.command(args...).CombinedOutput(); err != nil {
		b.Fatalf("lvslab %v: %v\n%s", args, err, out)
	}
	return time.Since(start)
}

// BenchmarkVMLabUp: `up` of a lab in a microVM against `vm -- true` on the same machine, each run in
// turn (make bench reports the figures and their ratio).
func BenchmarkVMLabUp(b *testing.B) {
	needMicroVMBench(b)
	c := &cli{t: b, stateDir: b.TempDir()}
	var up, vmTrue time.Duration
	for range b.N {
		vmTrue += timed(b, c, "vm", "--", "true")
		name := labName()
		up += timed(b, c, "up", "--vm=always", "--name", name)
		timed(b, c, "down", name)
	}
	n := time.Duration(b.N)
	b.ReportMetric((up / n).Seconds(), "up-s")
	b.ReportMetric((vmTrue / n).Seconds(), "vm-true-s")
	b.ReportMetric(float64(up)/float64(vmTrue), "up/vm-true")
	b.ReportMetric((up-vmTrue).Seconds()/float64(b.N), "up-minus-vm-true-s")
}

// BenchmarkExecRoundTrip: `exec director -- true` on a lab in a microVM against the same on a native lab.
func BenchmarkExecRoundTrip(b *testing.B) {
	needMicroVMBench(b)
	c := &cli{t: b, stateDir: b.TempDir()}
	inVM, native := labName(), labName()
	timed(b, c, "up", "--vm=always", "--name", inVM)
	defer timed(b, c, "down", inVM)
	timed(b, c, "up", "--vm=never", "--name", native)
	defer timed(b, c, "down", native)
	const runs = 20
	var vmTotal, nativeTotal time.Duration
	for range b.N {
		for range runs {
			vmTotal += timed(b, c, "exec", "--lab", inVM, "director", "--", "true")
			nativeTotal += timed(b, c, "exec", "--lab", native, "director", "--", "true")
		}
	}
	n := time.Duration(b.N * runs)
	b.ReportMetric(float64((vmTotal/n).Microseconds())/1000, "vm-exec-ms")
	b.ReportMetric(float64((nativeTotal/n).Microseconds())/1000, "native-exec-ms")
	b.ReportMetric(float64(vmTotal)/float64(nativeTotal), "vm/native")
}

func needMicroVMBench(b *testing.B) {
	b.Helper()
	labtest.RequireRoot(b)
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		b.Skip("qemu-system-x86_64 not installed")
	}
}
