// Package report holds what `lvslab test` found, as plain data that outlives the run: which scenarios
// ran where (the kernel, the machine, lvslab's build, the director's sysctls, each scenario file's
// digest), every verdict, and the load each phase measured. Reports of shards and of kernels merge into
// one; each is printed as text, JSON or JUnit XML.
package report

import (
	"slices"
	"time"

	"github.com/lvslab/lvslab/assert"
	"github.com/lvslab/lvslab/graph"
	"github.com/lvslab/lvslab/loadgen"
)

// Format names this report's JSON layout; Read refuses others.
const Format = "lvslab-report/1"

// Report is the runs of a suite and their results.
type Report struct {
	Format  string   `json:"format"`
	Runs    []Run    `json:"runs"`
	Results []Result `json:"results"`
}

// Run is one `lvslab test` on one kernel: the whole suite, or a shard of it.
type Run struct {
	LVSLAB  Build    `json:"lvslab"`
	Kernel  Kernel   `json:"kernel"`
	Machine *Machine `json:"machine,omitempty"` // the microVM the run was in; nil when it ran on the host
	// IPVSAdm is `ipvsadm --version` where the run's machine has ipvsadm; the scenarios program IPVS
	// through netlink, so it names what a learner there would use, not what the verdicts rest on.
	IPVSAdm     string    `json:"ipvsadm,omitempty"`
	Shard       string    `json:"shard,omitempty"` // K/N when the run was one shard of N
	Parallel    int       `json:"parallel"`        // scenarios at once
	Started     time.Time `json:"started"`
	Seconds     float64   `json:"seconds"`
	Interrupted bool      `json:"interrupted,omitempty"`
}

// Build is the lvslab that ran.
type Build struct {
	Version  string `json:"version"`
	Commit   string `json:"commit,omitempty"`
	Modified bool   `json:"modified,omitempty"` // built from a work tree with changes not committed
}

// Kernel is the kernel a run's directors were on.
type Kernel struct {
	Release        string `json:"release"`                   // uname -r
	Package        string `json:"package,omitempty"`         // the Debian package it came from
	PackageVersion string `json:"package_version,omitempty"` // and that package's version
	Asked          string `json:"asked,omitempty"`           // what --kernel named: a package, or a vmlinuz
}

// Machine is the microVM a run was in.
type Machine struct {
	QEMU  string `json:"qemu"`  // the guest's qemu --version (qemu-system-x86_64, -aarch64), first line
	Accel string `json:"accel"` // kvm or tcg
	// Arch is the guest's architecture: amd64 or arm64; empty in reports from before it was kept (amd64).
	Arch string `json:"arch,omitempty"`
	// AccelFallback says why KVM failed first, when the run went on under TCG.
	AccelFallback string `json:"accel_fallback,omitempty"`
	CPUs          int    `json:"cpus"`
	// Userland is where the guest's programs came from: "Debian bookworm amd64, 114 packages: ipvsadm
	// 1:1.31-1+b1, …" or "the host's root"; empty in reports from before it was kept.
	Userland string `json:"userland,omitempty"`
}

// Result is one scenario on one run.
type Result struct {
	Run     int     `json:"run"` // index into Report.Runs
	Name    string  `json:"name"`
	Source  string  `json:"source"` // the file, or embedded:NAME.yaml
	Digest  string  `json:"digest"` // sha256:… of the scenario file
	About   string  `json:"about,omitempty"`
	Result  string  `json:"result"` // pass, fail, error, skipped
	Error   string  `json:"error,omitempty"`
	Seconds float64 `json:"seconds"`
	// Sysctls are the director's net.ipv4.vs settings that change how IPVS schedules, as they were when
	// the scenario ended.
	Sysctls map[string]string `json:"sysctls,omitempty"`
	// Diagram is the scenario's lab as its first phase builds it, for a page to draw.
	Diagram *graph.Diagram `json:"diagram,omitempty"`
	Phases  []Phase        `json:"phases"`
}

// Results of a scenario.
const (
	Pass    = "pass"
	Fail    = "fail"
	Error   = "error"
	Skipped = "skipped"
)

// Phase is one phase's verdicts and the load it measured.
type Phase struct {
	Verdicts []Verdict       `json:"verdicts"`
	Load     *loadgen.Result `json:"load,omitempty"`
	// Steps say what the scenario did during the load, and where: "after 50 connections: rs1's server: stopped".
	Steps []string `json:"steps,omitempty"`
}

// Verdict is one expectation's outcome.
type Verdict struct {
	Name    string `json:"name"`
	Pass    bool   `json:"pass"`
	Summary string `json:"summary"`
	Detail  string `json:"detail,omitempty"`
	// Split is each real server's expected and observed count, for checks that compare counts.
	Split []assert.Share `json:"split,omitempty"`
	// Order is a window of the model's sequence and the kernel's around their first difference.
	Order *assert.Order `json:"order,omitempty"`
}

// Counts are how many results came to each end.
type Counts struct{ Passed, Failed, Errors, Skipped int }

// Count adds up the results.
func (r *Report) Count() Counts {
	var c Counts
	for _, res := range r.Results {
		switch res.Result {
		case Pass:
			c.Passed++
		case Fail:
			c.Failed++
		case Error:
			c.Errors++
		case Skipped:
			c.Skipped++
		}
	}
	return c
}

// KernelKey tells kernels apart: by release, and by package version where one release came in two.
func (k Kernel) KernelKey() string { return k.Release + " " + k.PackageVersion }

// Kernels are the report's kernels, in the order of their first run.
func (r *Report) Kernels() []Kernel {
	var out []Kernel
	var keys []string
	for _, run := range r.Runs {
		if !slices.Contains(keys, run.Kernel.KernelKey()) {
			keys = append(keys, run.Kernel.KernelKey())
			out = append(out, run.Kernel)
		}
	}
	return out
}

// KernelOf is the kernel of a result's run.
func (r *Report) KernelOf(res *Result) Kernel { return r.Runs[res.Run].Kernel }
