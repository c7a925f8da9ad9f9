package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/lvslab/lvslab/bars"
	"github.com/lvslab/lvslab/internal/toolver"
	"github.com/lvslab/lvslab/labs"
	"github.com/lvslab/lvslab/report"
	"github.com/lvslab/lvslab/scenarios"
	"github.com/lvslab/lvslab/scenarios/matrix"
)

// testFlags are lvslab test's flags.
type testFlags struct {
	junit, json, html string
	parallel          int
	shard             string
	kernels           []string
	bars              bars.Style
	// guestReport is where lvslab test writes its report, and nothing else, when it runs in a microVM
	// for an lvslab test on the host, which prints the summary.
	guestReport string
}

func newTestCommand() *cobra.Command {
	var f testFlags
	cmd := &cobra.Command{
		Use:   "test [SCENARIO...] [--kernel PKG]... [--shard K/N] [-j N] [--junit FILE] [--json FILE] [--html FILE]",
		Short: "Check the kernel's IPVS schedulers against their promises: the scenario suite, or your scenarios",
		Long: `Run scenarios: each builds a lab of its own (a fresh director, so no old connection entry biases the
schedulers), programs the director's rules, sends load from the client, and checks what happened against
what the kernel promises: exact sequences and lvslab's reference model of each scheduler, the split of
connections among real servers (exactly, or with a test whose false-failure rate is 1e-6), each client
address sticking to one server, and every connection counted alike by the servers, by the director's
connection table and by IPVS.

With no SCENARIO, the built-in suite runs: every scheduler under NAT, DR and TUN, and the tutorial's own
examples (wrr 3:1, sed with weights 1, 4, 6 and held connections, nq, weight 0, a scheduler change with
-E), and real servers that die, drain or are slow under load (faults and rules as steps in a load). A SCENARIO is a scenario file, or the name of a built-in one. -j runs that many side by side, each in
its own lab.

--kernel runs the suite on another kernel, in a microVM: a Debian package (linux-image-amd64 is Debian
12's 6.1, linux-image-6.12-amd64 has twos) or your own VMLINUZ:MODULES_DIR. Given more than once, the
kernels run side by side as far as the cores allow, and the summary is one table, scenario by kernel,
with a line for each scenario whose verdict differs between them; a scenario whose scheduler a kernel
lacks is skipped there. --shard K/N runs part K of N of the suite, the same part every time, the parts
balanced by how long their scenarios take: give each job of a CI matrix its own K, then join their
--json reports with lvslab report merge.

Where this kernel has no IPVS (or you are not root) the scenarios run in a microVM; --junit and --json
files are written on this machine all the same. Every report says what it ran on: the kernel and its
package, the microVM's qemu and accelerator, lvslab's version and commit, the director's sysctls that
change scheduling, each scenario file's digest. Exit status 0 when every expectation held, 1 when one
failed, 2 when a scenario (or a kernel) could not be run.`,
		Example: `  sudo lvslab test
  sudo lvslab test sed-tutorial wrr-tutorial -j 1
  lvslab test my-scenario.yaml --junit report.xml --json report.json
  lvslab test --kernel linux-image-amd64 --kernel linux-image-6.12-amd64
  lvslab test --shard 2/3 --json shard-2.json && lvslab report merge shard-*.json`,
		RunE: func(cmd *cobra.Command, args []string) error { return runTest(cmd, args, &f) },
	}
	cmd.Flags().StringVar(&f.junit, "junit", "", "write a JUnit XML report to this file")
	cmd.Flags().StringVar(&f.json, "json", "", "write every verdict and measurement, and what they ran on, as JSON to this file")
	cmd.Flags().StringVar(&f.html, "html", "", "write the run as one self-contained HTML page to this file: each scenario's lab drawn, its split as bars, the sequences with the first difference marked")
	cmd.Flags().IntVarP(&f.parallel, "parallel", "j", defaultParallel, "scenarios to run at once, each in a lab of its own")
	cmd.Flags().StringVar(&f.shard, "shard", "", "run part K of N of the scenarios (K/N, such as 2/3), for a CI system's parallel jobs")
	cmd.Flags().StringArrayVar(&f.kernels, "kernel", nil, "run in a microVM on this kernel: a Debian package or VMLINUZ:MODULES_DIR; repeat for a matrix")
	cmd.Flags().StringVar(&f.guestReport, "guest-report", "", "")
	cmd.Flags().MarkHidden("guest-report")
	addVMFlag(cmd)
	addBarsFlag(cmd)
	return cmd
}

// defaultParallel scenarios run at once: most of a scenario's time is spent waiting (for connections to
// close, templates to expire, children to start), so more than the cores keep them busy.
const (
	defaultParallel = 4
	maxParallel     = 64
)

func runTest(cmd *cobra.Command, args []string, f *testFlags) error {
	if f.parallel < 1 || f.parallel > maxParallel {
		return unusable(fmt.Errorf("--parallel %d: want 1 to %d scenarios at once", f.parallel, maxParallel))
	}
	kernels, err := matrix.ParseKernels(f.kernels)
	if err != nil {
		return unusable(err)
	}
	if f.bars, err = resolveBars(cmd); err != nil {
		return err
	}
	if _, err := absOutputs(&f.junit, &f.json, &f.html, &f.guestReport); err != nil {
		return unusable(err)
	}
	suite, err := scenarios.Select(args)
	if err != nil {
		return unusable(err)
	}
	if f.shard != "" {
		k, n, err := report.ParseShard(f.shard)
		if err != nil {
			return unusable(fmt.Errorf("--shard: %w", err))
		}
		suite = scenarios.Shard(suite, k, n)
	}
	d, err := decide(cmd, labs.Needs{IPVS: true, Root: true})
	if err != nil {
		return err
	}
	mode, _ := cmd.Flags().GetString("vm")
	switch {
	case len(kernels) > 0 && mode == "never":
		return unusable(errors.New("--kernel boots a microVM on that kernel, and --vm=never forbids one: drop one of them"))
	case len(kernels) > 0 && labs.InGuest():
		return unusable(errors.New("--kernel in the microVM: expected it on the host, which boots the kernels"))
	case len(kernels) > 0:
		return runMatrix(cmd, kernels, args, f)
	case d.InVM:
		fmt.Fprintf(cmd.ErrOrStderr(), "lvslab: %s; running in a microVM booted from Debian's kernel\n", d.Reason)
		return runMatrix(cmd, []matrix.Kernel{matrix.DefaultKernel(archFlag(cmd))}, args, f)
	}
	return runHere(cmd, suite, f)
}

// runMatrix runs the scenarios on each kernel, in a microVM of its own.
func runMatrix(cmd *cobra.Command, kernels []matrix.Kernel, args []string, f *testFlags) error {
	merged, missing, err := matrix.Run(cmd.Context(), kernels, matrix.Options{Arch: archFlag(cmd), Args: args, Parallel: f.parallel,
		Shard: f.shard, Bars: f.bars.String(), Stdout: cmd.OutOrStdout(), Stderr: cmd.ErrOrStderr()})
	if err != nil {
		return unusable(err)
	}
	return finishReport(cmd.OutOrStdout(), merged, reportFiles{f.junit, f.json, f.html}, missing)
}

// runHere runs the scenarios on this machine's kernel.
func runHere(cmd *cobra.Command, suite []*scenarios.Scenario, f *testFlags) error {
	w := cmd.OutOrStdout()
	start := time.Now()
	outcomes := scenarios.RunSuite(cmd.Context(), suite, scenarios.SuiteOptions{Parallel: f.parallel, Done: func(o *scenarios.Outcome) {
		if cmd.Context().Err() != nil && o.Err != nil {
			o.Err = fmt.Errorf("interrupted: %w", o.Err)
		}
		o.WriteText(w, f.bars)
	}})
	interrupted := len(outcomes) < len(suite)
	if interrupted {
		fmt.Fprintf(w, "\ninterrupted: %d of %d scenarios ran; the reports cover those\n", len(outcomes), len(suite))
	}
	run := report.Run{LVSLAB: build(), Kernel: report.Kernel{Release: kernelRelease()}, IPVSAdm: ipvsadmVersion(cmd.Context()),
		Shard: f.shard, Parallel: f.parallel, Started: start, Seconds: time.Since(start).Seconds(), Interrupted: interrupted}
	rep := scenarios.Report(run, outcomes)
	if f.guestReport != "" {
		if err := writeReport(f.guestReport, rep.WriteJSON); err != nil {
			return unusable(err)
		}
		return exitFor(rep, nil)
	}
	return finishReport(cmd.OutOrStdout(), rep, reportFiles{f.junit, f.json, f.html}, nil)
}

// reportFiles are where a report goes besides the terminal; "" for none.
type reportFiles struct{ junit, json, html string }

// finishReport prints the summary of a report, headed by what it ran on, writes its files, and gives the
// exit status: 2 when a scenario could not run or problems (a kernel that did not boot, a missing shard)
// say something is missing, 1 when an expectation failed.
func finishReport(w io.Writer, rep *report.Report, files reportFiles, problems []string) error {
	fmt.Fprintln(w)
	for _, k := range rep.Kernels() {
		rep.WriteHeader(w, k)
	}
	rep.WriteSummary(w)
	for _, p := range problems {
		fmt.Fprintf(w, "could not run: %s\n", p)
	}
	if err := writeReport(files.junit, rep.WriteJUnit); err != nil {
		return unusable(err)
	}
	if err := writeReport(files.json, rep.WriteJSON); err != nil {
		return unusable(err)
	}
	if err := writeReport(files.html, rep.WriteHTML); err != nil {
		return unusable(err)
	}
	return exitFor(rep, problems)
}

func exitFor(rep *report.Report, problems []string) error {
	c := rep.Count()
	switch {
	case c.Errors > 0 || len(problems) > 0:
		return &exitError{code: exitUnusable, quiet: true}
	case c.Failed > 0:
		return &exitError{code: exitFailed, quiet: true}
	}
	return nil
}

func writeReport(path string, write func(io.Writer) error) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// absOutputs makes the report paths absolute: the microVM copies files back by their host path.
func absOutputs(paths ...*string) ([]string, error) {
	var out []string
	for _, p := range paths {
		if *p == "" {
			continue
		}
		abs, err := filepath.Abs(*p)
		if err != nil {
			return nil, err
		}
		*p = abs
		out = append(out, abs)
	}
	return out, nil
}

// ipvsadmVersion is the first line of `ipvsadm --version` where ipvsadm is installed, else "".
func ipvsadmVersion(ctx context.Context) string { return toolver.FirstLine(ctx, "ipvsadm") }
