package report

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/lvslab/lvslab/assert"
	"github.com/lvslab/lvslab/loadgen"
)

// The checks of a report's fields, once decoded. Each error starts with the field it is about, by its
// JSON name (.phases[0].verdicts[1].order), and says what it found and what lvslab writes there.

func (r *Report) validate() error {
	if r.Format != Format {
		return fmt.Errorf("format %q: expected %q, as lvslab test --json writes", clip(r.Format), Format)
	}
	if len(r.Runs) == 0 {
		return fmt.Errorf("no runs: %s", fromLVSLAB)
	}
	for i := range r.Results {
		if run := r.Results[i].Run; run < 0 || run >= len(r.Runs) {
			return fmt.Errorf("results[%d].run: %d, where the report has runs 0 to %d: %s", i, run, len(r.Runs)-1, fromLVSLAB)
		}
	}
	return nil
}

func (run *Run) validate() error {
	if run.Kernel.Release == "" {
		return fmt.Errorf("kernel.release: none")
	}
	if err := line("kernel.release", run.Kernel.Release, maxRelease); err != nil {
		return err
	}
	for what, s := range map[string]string{"kernel.release": run.Kernel.Release, "kernel.package": run.Kernel.Package,
		"kernel.package_version": run.Kernel.PackageVersion, "kernel.asked": run.Kernel.Asked, "lvslab.version": run.LVSLAB.Version,
		"lvslab.commit": run.LVSLAB.Commit, "ipvsadm": run.IPVSAdm} {
		if err := line(what, s, maxLine); err != nil {
			return err
		}
	}
	if m := run.Machine; m != nil {
		for what, s := range map[string]string{"machine.qemu": m.QEMU, "machine.accel": m.Accel, "machine.accel_fallback": m.AccelFallback, "machine.userland": m.Userland, "machine.arch": m.Arch} {
			if err := line(what, s, maxLine); err != nil {
				return err
			}
		}
	}
	if run.Shard != "" {
		if _, _, err := ParseShard(run.Shard); err != nil {
			return err
		}
	}
	if !(run.Seconds >= 0) || run.Parallel < 0 {
		return fmt.Errorf("seconds %g, parallel %d: expected neither negative", run.Seconds, run.Parallel)
	}
	return nil
}

// validate checks a result's fields; its run is checked once the report's runs are known.
func (res *Result) validate() error {
	if res.Name == "" {
		return fmt.Errorf(".name: none")
	}
	if err := line(".name", res.Name, maxName); err != nil {
		return err
	}
	if !digestPattern().MatchString(res.Digest) {
		return fmt.Errorf(".digest %q: expected sha256: and 64 hex digits", clip(res.Digest))
	}
	switch res.Result {
	case Pass, Fail, Error, Skipped:
	default:
		return fmt.Errorf(".result %q: expected pass, fail, error or skipped", clip(res.Result))
	}
	if !(res.Seconds >= 0) {
		return fmt.Errorf(".seconds %g: expected not negative", res.Seconds)
	}
	for what, s := range map[string]string{".source": res.Source, ".about": res.About} {
		if err := line(what, s, maxLine); err != nil {
			return err
		}
	}
	for k, v := range res.Sysctls {
		if err := line(".sysctls key", k, maxName); err != nil {
			return err
		}
		if err := line(".sysctls."+clip(k), v, maxName); err != nil {
			return err
		}
	}
	if err := text(".error", res.Error, maxText); err != nil {
		return err
	}
	if res.Diagram != nil {
		if err := res.Diagram.Validate(); err != nil {
			return fmt.Errorf(".diagram: %w", err)
		}
	}
	for i, p := range res.Phases {
		for j, s := range p.Steps {
			if err := line(fmt.Sprintf(".phases[%d].steps[%d]", i, j), s, maxLine); err != nil {
				return err
			}
		}
		for j := range p.Verdicts {
			if err := p.Verdicts[j].validate(); err != nil {
				return fmt.Errorf(".phases[%d].verdicts[%d]%w", i, j, err)
			}
		}
		if p.Load != nil {
			if err := validLoad(p.Load); err != nil {
				return fmt.Errorf(".phases[%d].load%w", i, err)
			}
		}
	}
	return nil
}

// validate checks a verdict; its errors start with the field (.order.offset), the caller says whose.
func (v *Verdict) validate() error {
	if v.Name == "" {
		return fmt.Errorf(".name: none")
	}
	if err := line(".name", v.Name, maxName); err != nil {
		return err
	}
	if err := text(".summary", v.Summary, maxSummary); err != nil {
		return err
	}
	if err := text(".detail", v.Detail, maxText); err != nil {
		return err
	}
	if err := validSplit(".split", v.Split); err != nil {
		return err
	}
	return validOrder(".order", v.Order)
}

func validSplit(at string, split []assert.Share) error {
	if len(split) > maxSplit {
		return fmt.Errorf("%s: %d servers: expected at most %d", at, len(split), maxSplit)
	}
	for i, sh := range split {
		if p := badText(sh.Server, maxName, false); p != "" {
			return fmt.Errorf("%s[%d].server %s", at, i, p)
		}
		if !(sh.Expected >= 0) || math.IsInf(sh.Expected, 1) || sh.Observed < 0 || sh.Lo < 0 || sh.Hi < 0 {
			return fmt.Errorf("%s[%d] (%s): expected %g, observed %d, accepted %d..%d: expected finite counts, none negative",
				at, i, clip(sh.Server), sh.Expected, sh.Observed, sh.Lo, sh.Hi)
		}
	}
	return nil
}

// validOrder checks a window of a sequence without adding to what it reads: every number is compared
// with bounds it is known to be within first, so none can overflow.
func validOrder(at string, o *assert.Order) error {
	if o == nil {
		return nil
	}
	n := len(o.Expected)
	if n > maxOrder || n != len(o.Observed) {
		return fmt.Errorf("%s: windows of %d and %d connections: expected two of the same length, at most %d (lvslab test keeps %d around the first difference)",
			at, n, len(o.Observed), maxOrder, maxOrder)
	}
	switch {
	case o.Total < 0 || o.Total > maxSequence:
		return fmt.Errorf("%s.total: %d connections: expected 0 to %d, as many as a load records", at, o.Total, maxSequence)
	case o.Offset < 0 || o.Offset > o.Total-n: // Total ≤ 2^20 and n ≤ 40: no overflow
		return fmt.Errorf("%s.offset: a window of %d at %d: expected it within the sequence of %d", at, n, o.Offset, o.Total)
	case o.First != -1 && (o.First < o.Offset || o.First-o.Offset >= n):
		return fmt.Errorf("%s.first: the first difference at %d: expected -1 (none) or within the window, %d to %d", at, o.First, o.Offset, o.Offset+n-1)
	}
	for i := range n {
		if p := badText(o.Expected[i], maxName, false); p != "" {
			return fmt.Errorf("%s.expected[%d] %s", at, i, p)
		}
		if p := badText(o.Observed[i], maxName, false); p != "" {
			return fmt.Errorf("%s.observed[%d] %s", at, i, p)
		}
	}
	return nil
}

// validLoad checks what a phase's load measured: the lengths of its lists (scanResult bounded them
// before decoding), no negative count, no control character in what a person may be shown.
func validLoad(l *loadgen.Result) error {
	const at = "" // the caller says whose load
	if err := line(at+".url", l.URL, maxLine); err != nil {
		return err
	}
	f := l.Failures
	for what, n := range map[string]int{"concurrency": l.Concurrency, "datagrams": l.Datagrams, "requests": l.Requests, "completed": l.Completed,
		"connections": l.Connections, "failures.refused": f.Refused, "failures.reset": f.Reset, "failures.timeout": f.Timeout,
		"failures.unreachable": f.Unreachable, "failures.bad_status": f.BadStatus, "failures.bad_response": f.BadResponse, "failures.other": f.Other} {
		if n < 0 {
			return fmt.Errorf("%s.%s: %d: expected not negative", at, what, n)
		}
	}
	lat := l.Latency
	if l.Duration < 0 || lat.Min < 0 || lat.Mean < 0 || lat.P50 < 0 || lat.P90 < 0 || lat.P99 < 0 || lat.Max < 0 {
		return fmt.Errorf("%s: a negative duration or latency: expected none", at)
	}
	if !(l.Rate >= 0) || !(l.RequestsPerSecond >= 0) {
		return fmt.Errorf("%s: rate %g, requests per second %g: expected neither negative", at, l.Rate, l.RequestsPerSecond)
	}
	if err := text(at+".failures.example", f.Example, maxText); err != nil {
		return err
	}
	for i, c := range l.Failed {
		if !slices.Contains(loadgen.FailureNames, c.Failure) || c.Index < 0 || c.Index >= maxSequence {
			return fmt.Errorf("%s.failed[%d]: cause %q at %d: expected one of %s, at 0 to %d", at, i, clip(c.Failure), c.Index, strings.Join(loadgen.FailureNames, ", "), maxSequence-1)
		}
		if err := line(fmt.Sprintf("%s.failed[%d].server", at, i), c.Server, maxName); err != nil {
			return err
		}
	}
	for server, c := range l.PerServer {
		if err := line(at+".per_server key", server, maxName); err != nil {
			return err
		}
		if c == nil || c.Connections < 0 || c.Requests < 0 {
			return fmt.Errorf("%s.per_server.%s: %v: expected counts, not negative", at, clip(server), c)
		}
	}
	if len(l.Clients) != 0 && len(l.Clients) != len(l.Sequence) {
		return fmt.Errorf("%s.clients: %d for %d connections in .sequence: expected one for each", at, len(l.Clients), len(l.Sequence))
	}
	for i, s := range l.Sequence {
		if s == "" {
			return fmt.Errorf("%s.sequence[%d]: no server: expected its name, or %q", at, i, loadgen.UnknownServer)
		}
		if p := badText(s, maxName, false); p != "" {
			return fmt.Errorf("%s.sequence[%d] %s", at, i, p)
		}
	}
	for i, c := range l.Clients {
		if p := badText(c, maxClient, false); p != "" {
			return fmt.Errorf("%s.clients[%d] %s", at, i, p)
		}
	}
	return nil
}

// line checks a one-line text: at most max bytes, no control characters (a terminal would act on them).
func line(what, s string, max int) error {
	if p := badText(s, max, false); p != "" {
		return fmt.Errorf("%s %s", what, p)
	}
	return nil
}

// text is line that allows line breaks and tabs.
func text(what, s string, max int) error {
	if p := badText(s, max, true); p != "" {
		return fmt.Errorf("%s %s", what, p)
	}
	return nil
}

// badText says what is wrong with s, "" when nothing: longer than max bytes, or a control character
// (but line breaks and tabs where breaks allows them).
func badText(s string, max int, breaks bool) string {
	if len(s) > max {
		return fmt.Sprintf("of %d bytes: expected at most %d", len(s), max)
	}
	for _, c := range s {
		if unicode.IsControl(c) && !(breaks && (c == '\n' || c == '\t')) {
			return fmt.Sprintf("%q: expected no control characters", clip(s))
		}
	}
	return ""
}

// ParseShard reads K/N: shard K of N, 1 ≤ K ≤ N.
func ParseShard(s string) (k, n int, err error) {
	if !shardPattern().MatchString(s) {
		return 0, 0, fmt.Errorf("shard %q: expected K/N, such as 2/3", clip(s))
	}
	fmt.Sscanf(s, "%d/%d", &k, &n)
	if k > n {
		return 0, 0, fmt.Errorf("shard %s: K must be 1 to N (%d)", s, n)
	}
	return k, n, nil
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
