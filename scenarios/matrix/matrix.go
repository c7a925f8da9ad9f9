package matrix

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lvslab/lvslab/labs"
	"github.com/lvslab/lvslab/report"
	"github.com/lvslab/lvslab/vm"
	"github.com/lvslab/lvslab/vm/proto"
)

// Options is what each kernel's lvslab test is asked to do.
type Options struct {
	Arch     string   // the guests' architecture (vm.Options.Arch)
	Args     []string // the scenarios: built-in names, or files
	Parallel int      // -j
	Shard    string   // --shard K/N, or ""
	Bars     string   // --bars, as resolved on the host, whose terminal the output ends up on
	Stdout   io.Writer
	Stderr   io.Writer
}

// Run runs lvslab test in a microVM for each kernel, as many side by side as there are cores, and joins
// their reports into one; missing says, for each kernel that gave no report, why. Each machine has every core: its scenarios wait
// more than they compute, and one that finishes first leaves the others the whole host (measured on two
// cores under TCG, 61 s against 67 s with a core each).
func Run(ctx context.Context, kernels []Kernel, o Options) (merged *report.Report, missing []string, err error) {
	guestArgs, err := scenarioArgs(o.Args)
	if err != nil {
		return nil, nil, err
	}
	cores := runtime.NumCPU()
	side := min(len(kernels), max(1, cores))
	cpus := cores
	var out sync.Mutex // one writer at a time on the terminal
	reports := make([]*report.Report, len(kernels))
	problems := make([]string, len(kernels))
	sem := make(chan struct{}, side)
	var wg sync.WaitGroup
	for i, k := range kernels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			var prefix string
			if len(kernels) > 1 {
				prefix = "[" + k.Asked + "] "
			}
			stdout := &linePrefixer{w: o.Stdout, mu: &out, prefix: prefix}
			stderr := &linePrefixer{w: o.Stderr, mu: &out, prefix: prefix}
			rep, err := runOnKernel(ctx, k, cpus, guestArgs, o, stdout, stderr)
			stdout.flush()
			stderr.flush()
			reports[i] = rep
			if err != nil {
				problems[i] = fmt.Sprintf("kernel %s: %v", k.Asked, err)
			}
		}()
	}
	wg.Wait()
	var names []string
	var ran []*report.Report
	for i, r := range reports {
		if r != nil {
			names, ran = append(names, kernels[i].Asked), append(ran, r)
		}
		if problems[i] != "" {
			missing = append(missing, problems[i])
		}
	}
	if len(ran) == 0 {
		return nil, missing, fmt.Errorf("no kernel ran the scenarios:\n  %s", strings.Join(missing, "\n  "))
	}
	merged, err = report.Merge(names, ran)
	return merged, missing, err
}

// runOnKernel boots one kernel's microVM and runs lvslab test there, which writes its report to a file
// the host reads back; the host adds what only it knows (the package, qemu, the accelerator).
func runOnKernel(ctx context.Context, k Kernel, cpus int, guestArgs []string, o Options, stdout, stderr io.Writer) (*report.Report, error) {
	tmp, err := os.CreateTemp("", "lvslab-report-*.json")
	if err != nil {
		return nil, err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	opts := labs.VMOptions(labs.Machine{KernelPackage: k.Package, Arch: o.Arch}, stderr)
	// The guest's own lvslab, its /init: this one, or, for a guest of another architecture, its build for it.
	argv := []string{opts.Self, "test", "--guest-report", tmp.Name(), "-j", strconv.Itoa(o.Parallel), "--bars", o.Bars}
	if o.Shard != "" {
		argv = append(argv, "--shard", o.Shard)
	}
	argv = append(argv, guestArgs...)
	opts.Argv, opts.Env, opts.Stdout, opts.Stderr = argv, append(os.Environ(), proto.InVMEnv+"=1"), stdout, stderr
	opts.Outputs, opts.Kernel, opts.ModulesDir, opts.CPUs = []string{tmp.Name()}, k.Vmlinuz, k.Modules, cpus
	start := time.Now()
	res, err := vm.Run(ctx, opts)
	if res != nil {
		fmt.Fprintln(stderr, res.Summary(time.Since(start)))
	}
	if err != nil && (res == nil || res.ExitCode == 0) {
		return nil, fmt.Errorf("the microVM: %w", err)
	}
	rep, err := report.ReadFile(tmp.Name())
	if err != nil {
		return nil, fmt.Errorf("the report lvslab test wrote in the microVM (exit status %d): %w", res.ExitCode, err)
	}
	if len(rep.Runs) != 1 {
		return nil, fmt.Errorf("the report lvslab test wrote in the microVM holds %d runs, expected 1", len(rep.Runs))
	}
	run := &rep.Runs[0]
	run.Kernel.Package, run.Kernel.PackageVersion, run.Kernel.Asked = res.Kernel.Package, res.Kernel.PackageVersion, k.Asked
	if run.Kernel.Release != res.Kernel.Version {
		return nil, fmt.Errorf("the microVM booted kernel %s, and the scenarios ran on %s", res.Kernel.Version, run.Kernel.Release)
	}
	run.Machine = &report.Machine{QEMU: vm.QEMUVersion(ctx, res.Arch), Accel: res.Accel, Arch: res.Arch,
		AccelFallback: res.AccelFallback, CPUs: res.CPUs, Userland: res.Userland}
	return rep, nil
}

// scenarioArgs are the SCENARIO arguments as lvslab test in the microVM reads them: files by their
// absolute paths (the guest sees the host's files where they are), built-in names as they are.
func scenarioArgs(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		if _, err := os.Stat(a); err == nil {
			abs, err := filepath.Abs(a)
			if err != nil {
				return nil, err
			}
			a = abs
		}
		out = append(out, a)
	}
	return out, nil
}

// linePrefixer writes whole lines, each with a prefix, under a lock shared by the writers that take turns
// on one terminal.
type linePrefixer struct {
	w      io.Writer
	mu     *sync.Mutex
	prefix string
	buf    bytes.Buffer
}

func (p *linePrefixer) Write(b []byte) (int, error) {
	p.buf.Write(b)
	for {
		line, err := p.buf.ReadBytes('\n')
		if err != nil { // no newline yet: keep the start of the line
			rest := append([]byte(nil), line...)
			p.buf.Reset()
			p.buf.Write(rest)
			return len(b), nil
		}
		p.mu.Lock()
		_, werr := io.WriteString(p.w, p.prefix+string(line))
		p.mu.Unlock()
		if werr != nil {
			return len(b), werr
		}
	}
}

func (p *linePrefixer) flush() {
	if p.buf.Len() > 0 {
		p.Write([]byte("\n"))
	}
}
