package vm

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/lvslab/lvslab/internal/benchpair"
	"github.com/lvslab/lvslab/internal/needs"
	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/vm/proto"
)

// BenchmarkBoot is `lvslab vm -- true` against a bare boot of the same kernel on the same machine (qemu
// with no initramfs, so the kernel panics where /init would start), in interleaved pairs, one pair per
// iteration (-benchtime 5x: five pairs). It prints how long the guest took to reach /init against the bare
// boot (the same, within a few per cent, when nothing of lvslab's slows the kernel), and how long after
// /init the command was done (the bound: 0.8 s), with the guest's phases of the last run.
func BenchmarkBoot(b *testing.B) {
	needs.VM(b)
	opts := Options{Argv: []string{"true"}, Self: "", Timeout: 2 * time.Minute}
	opts.Modules, opts.OptionalModules = lab.KernelModules() // what lvslab vm loads
	ctx := context.Background()
	var toInit benchpair.Pairs
	var afterInit []float64
	var last *Result
	for b.Loop() {
		toInit.Add(func() float64 {
			res, err := Run(ctx, opts)
			if err != nil {
				b.Fatal(err)
			}
			last = res
			afterInit = append(afterInit, (res.Total - res.BootToInit).Seconds())
			return res.BootToInit.Seconds()
		}, func() float64 { return bareBoot(b, ctx, opts) })
	}
	toInit.Report(b, "qemu start to /init", "lvslab", "bare-kernel", "s")
	slices.Sort(afterInit)
	fmt.Printf("%-34s median %.3f s (range %.3f-%.3f): the bound is 0.8 s\n", "vm -- true, after /init", benchpair.Median(afterInit), afterInit[0], afterInit[len(afterInit)-1])
	fmt.Printf("the guest's phases, last run (%s):\n%s", last.Accel, proto.FormatTimings(last.Timings))
	b.ReportMetric(benchpair.Median(afterInit), "after-init-s")
}

// bareBoot times qemu booting the kernel opts would boot, on the same machine, without an initramfs or
// devices: the kernel panics for want of a root, and qemu exits, where lvslab's /init would start.
func bareBoot(b *testing.B, ctx context.Context, opts Options) float64 {
	b.Helper()
	opts.setDefaults()
	plan, err := planAccel(&opts)
	if err != nil {
		b.Fatal(err)
	}
	m, err := prepare(ctx, &opts)
	if err != nil {
		b.Fatal(err)
	}
	defer m.close()
	if m.kernel != nil {
		b.Skip("the kernel has no unpacked vmlinux in the cache: a bare boot would not compare")
	}
	m.cfg.kvm = plan.kvm
	var args []string
	full := qemuArgs(m.cfg)
	for i := 0; i < len(full); i++ {
		switch full[i] {
		case "-initrd", "-chardev", "-serial", "-device", "-fsdev", "-netdev":
			i++ // and its value
		default:
			args = append(args, full[i])
		}
	}
	args = append(args, "-serial", "null")
	start := time.Now()
	out, err := exec.CommandContext(ctx, m.qemu, args...).CombinedOutput()
	if err != nil {
		b.Fatalf("bare boot: %v\n%s", err, out)
	}
	return time.Since(start).Seconds()
}

// BenchmarkUserland is `lvslab vm -- true` with the guest's programs from Debian's packages against the
// same with the host's root, in interleaved pairs: the time to /init and the whole run of each, for a
// reader to hold against the bound (not slower by more than 10%); a benchmark states, it does not judge.
func BenchmarkUserland(b *testing.B) {
	needs.VM(b)
	opts := Options{Argv: []string{"true"}, Self: "", Timeout: 2 * time.Minute}
	opts.Modules, opts.OptionalModules = lab.KernelModules()
	ctx := context.Background()
	if err := EnsureUserland(ctx, &Options{UserlandFrom: "debian", Notices: opts.Notices}); err != nil {
		b.Fatal(err) // built before the first pair, not in it
	}
	var toInit, total benchpair.Pairs
	run := func(from string, totals *[]float64) func() float64 {
		return func() float64 {
			o := opts
			o.UserlandFrom = from
			res, err := Run(ctx, o)
			if err != nil {
				b.Fatal(err)
			}
			*totals = append(*totals, res.Total.Seconds())
			return res.BootToInit.Seconds()
		}
	}
	for b.Loop() {
		toInit.Add(run("debian", &total.A), run("host", &total.B))
	}
	toInit.Report(b, "qemu start to /init", "debian-userland", "host-root", "s")
	total.Report(b, "vm -- true, in all", "debian-userland", "host-root", "s")
}
