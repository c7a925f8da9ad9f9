package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/labs"
	"github.com/lvslab/lvslab/report"
	"github.com/lvslab/lvslab/vm"
)

// runMatrix runs lvslab test in a microVM for each kernel, as many side by side as there are cores, and
// joins their reports: one summary, one JSON, one JUnit. Each machine has every core: its scenarios wait
// more than they compute, and one that finishes first leaves the others the whole host (measured on two
// cores under TCG, 61 s against 67 s with a core each).
func runMatrix(cmd *cobra.Command, kernels []kernelChoice, args []string, f *testFlags) error {
	self, err := os.Executable()
	if err != nil {
		return unusable(err)
	}
	guestArgs, err := scenarioArgs(args)
	if err != nil {
		return unusable(err)
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
				prefix = "[" + k.asked + "] "
			}
			stdout := &linePrefixer{w: cmd.OutOrStdout(), mu: &out, prefix: prefix}
			stderr := &linePrefixer{w: cmd.ErrOrStderr(), mu: &out, prefix: prefix}
			rep, err := runOnKernel(cmd, self, k, cpus, guestArgs, f, stdout, stderr)
			stdout.flush()
			stderr.flush()
			reports[i] = rep
			if err != nil {
				problems[i] = fmt.Sprintf("kernel %s: %v", k.asked, err)
			}
		}()
	}
	wg.Wait()
	var names []string
	var ran []*report.Report
	var missing []string
	for i, r := range reports {
		if r != nil {
			names, ran = append(names, kernels[i].asked), append(ran, r)
		}
		if problems[i] != "" {
			missing = append(missing, problems[i])
		}
	}
	if len(ran) == 0 {
		return unusable(fmt.Errorf("no kernel ran the scenarios:\n  %s", strings.Join(missing, "\n  ")))
	}
	merged, err := report.Merge(names, ran)
	if err != nil {
		return unusable(err)
	}
	return finishReport(cmd.OutOrStdout(), merged, reportFiles{f.junit, f.json, f.html}, missing)
}

// runOnKernel boots one kernel's microVM and runs lvslab test there, which writes its report to a file
// the host reads back; the host adds what only it knows (the package, qemu, the accelerator).
func runOnKernel(cmd *cobra.Command, self string, k kernelChoice, cpus int, guestArgs []string, f *testFlags, stdout, stderr io.Writer) (*report.Report, error) {
	tmp, err := os.CreateTemp("", "lvslab-report-*.json")
	if err != nil {
		return nil, err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	argv := []string{self, "test", "--guest-report", tmp.Name(), "-j", strconv.Itoa(f.parallel), "--bars", barStyleNames[f.bars]}
	if f.shard != "" {
		argv = append(argv, "--shard", f.shard)
	}
	argv = append(argv, guestArgs...)
	required, optional := lab.KernelModules()
	start := time.Now()
	res, err := vm.Run(cmd.Context(), vm.Options{
		Modules: required, OptionalModules: optional, Argv: argv, Env: append(os.Environ(), labs.InVMEnv+"=1"),
		Stdout: stdout, Stderr: stderr, Outputs: []string{tmp.Name()}, Self: "lvslab", Notices: stderr,
		Package: k.pkg, Kernel: k.vmlinuz, ModulesDir: k.modules, CPUs: cpus,
	})
	if res != nil {
		fmt.Fprintf(stderr, "lvslab: microVM (%s): kernel booted to init in %.1f s; %.1f s in all\n", strings.ToUpper(res.Accel), res.BootToInit.Seconds(), time.Since(start).Seconds())
	}
	if err != nil && (res == nil || res.ExitCode == 0) {
		return nil, fmt.Errorf("the microVM: %w", err)
	}
	rep, err := readReportFile(tmp.Name())
	if err != nil {
		return nil, fmt.Errorf("the report lvslab test wrote in the microVM (exit status %d): %w", res.ExitCode, err)
	}
	if len(rep.Runs) != 1 {
		return nil, fmt.Errorf("the report lvslab test wrote in the microVM holds %d runs, expected 1", len(rep.Runs))
	}
	run := &rep.Runs[0]
	run.Kernel.Package, run.Kernel.PackageVersion, run.Kernel.Asked = res.Kernel.Package, res.Kernel.PackageVersion, k.asked
	if run.Kernel.Release != res.Kernel.Version {
		return nil, fmt.Errorf("the microVM booted kernel %s, and the scenarios ran on %s", res.Kernel.Version, run.Kernel.Release)
	}
	run.Machine = &report.Machine{QEMU: vm.QEMUVersion(cmd.Context()), Accel: res.Accel, AccelFallback: res.AccelFallback, CPUs: res.CPUs}
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
