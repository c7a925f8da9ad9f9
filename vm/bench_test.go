package vm

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lvslab/lvslab/internal/benchpair"
	"github.com/lvslab/lvslab/internal/needs"
	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/vm/proto"
)

// BenchmarkBoot is `lvslab vm -- true` (the guest's /init built as make build builds it) against a bare boot of the same kernel on the same machine (qemu
// with an initramfs whose /init is empty, so the kernel panics where /init would start), in interleaved
// pairs, two pairs per iteration (-benchtime 5x: ten pairs), for Debian 12's 6.1 kernel and its 6.12 (6.1
// only with -short). It prints how long the guest's kernel took to run /init (its own log's record, as the
// bare boot's is its failing to) against the bare boot (the same, within a few per cent, when nothing of
// lvslab's slows the kernel), and how long after that the command was done (the bound: 0.8 s: /init's own
// start, Go's runtime and lvslab's packages, counts here), with the guest's phases of the last run.
func BenchmarkBoot(b *testing.B) {
	needs.VM(b)
	packages := []string{"linux-image-amd64", "linux-image-6.12-amd64"}
	if testing.Short() {
		packages = packages[:1]
	}
	for _, pkg := range packages {
		b.Run(pkg, func(b *testing.B) { benchmarkBoot(b, pkg) })
	}
}

func benchmarkBoot(b *testing.B, pkg string) {
	bootLvslab(b)
	opts := Options{Argv: []string{"true"}, Self: "", Timeout: 2 * time.Minute, Package: pkg}
	opts.Modules, opts.OptionalModules = lab.KernelModules() // what lvslab vm loads
	ctx := context.Background()
	if _, err := EnsureKernel(ctx, opts); err != nil {
		b.Fatal(err) // fetched before the first pair, not in it
	}
	var toInit benchpair.Pairs
	var afterInit []float64
	var last *Result
	for b.Loop() {
		// Two pairs an iteration: a boot under TCG varies by a tenth of a second from one run to the next,
		// and ten pairs hold the median steadier than five.
		for range 2 {
			toInit.Add(func() float64 {
				res, err := Run(ctx, opts)
				if err != nil {
					b.Fatal(err)
				}
				last = res
				if res.KernelToInit() == res.BootToInit {
					b.Fatalf("the guest's timings hold no %q: %v", proto.PhaseKernelRanInit, res.Timings)
				}
				afterInit = append(afterInit, (res.Total - res.KernelToInit()).Seconds())
				return res.KernelToInit().Seconds()
			}, func() float64 { return bareBoot(b, ctx, opts) })
		}
	}
	toInit.Report(b, "qemu start to the kernel running /init, "+last.Kernel.Version, "lvslab", "bare-kernel", "s")
	slices.Sort(afterInit)
	fmt.Printf("%-34s median %.3f s (range %.3f-%.3f): the bound is 0.8 s\n", "vm -- true, after /init", benchpair.Median(afterInit), afterInit[0], afterInit[len(afterInit)-1])
	fmt.Printf("the guest's phases, last run (%s):\n%s", last.Accel, proto.FormatTimings(last.Timings))
	b.ReportMetric(benchpair.Median(afterInit), "after-init-s")
}

// bareBoot times qemu booting the kernel opts would boot, on the same machine, up to the point where the
// kernel runs /init, with nothing of lvslab's: no devices, and an initramfs whose /init is an empty file.
// The kernel does all it does before any /init (unpacking the initramfs, freeing its init memory), fails to
// execute the empty file and says so on the console: that line is the time to /init. (A boot with no
// initramfs at all panics for want of a root before freeing the kernel's init memory, 0.1 s early under TCG.)
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
	m.cfg.hw = plan.hw
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
	args = append(args, "-initrd", emptyInitInitramfs(b), "-serial", "stdio")
	cmd := exec.CommandContext(ctx, m.qemu, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	var console, stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	var atInit time.Duration
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if atInit == 0 && strings.Contains(lines.Text(), "Failed to execute /init") {
			atInit = time.Since(start)
		}
		console.WriteString(lines.Text() + "\n")
	}
	if err := cmd.Wait(); err != nil || atInit == 0 {
		b.Fatalf("bare boot: expected the kernel to fail to execute the empty /init and panic; qemu: %v\n%s%s", err, console.String(), stderr.String())
	}
	return atInit.Seconds()
}

// emptyInitInitramfs writes an initramfs with /dev/console and an empty, executable /init, which the kernel
// tries to run and cannot.
func emptyInitInitramfs(b *testing.B) string {
	path := filepath.Join(b.TempDir(), "empty-init.cpio")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	c := &cpioWriter{w: f}
	c.Dir("dev", 0o755)
	c.CharDev("dev/console", 0o600, 5, 1)
	c.File("init", 0o755, 0, strings.NewReader(""))
	if err := errors.Join(c.Close(), f.Close()); err != nil {
		b.Fatal(err)
	}
	return path
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

// bootLvslab has the guest boot lvslab built as make build builds it, the /init users boot, instead of this
// test binary, until the benchmark ends.
func bootLvslab(b *testing.B) {
	b.Helper()
	testHookSelf = needs.Lvslab(b, b.TempDir())
	b.Cleanup(func() { testHookSelf = "" })
}
