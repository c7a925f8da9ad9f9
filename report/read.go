package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strings"
	"unicode"

	"github.com/lvslab/lvslab/assert"
)

// Bounds of a report read from outside: a suite of thousands of scenarios on tens of kernels, each load
// recording a sequence of up to a million servers.
const (
	MaxBytes   = 512 << 20
	maxRuns    = 10_000
	maxResults = 1_000_000
	maxName    = 256
)

var (
	digestPattern = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	shardPattern  = regexp.MustCompile(`^[1-9][0-9]{0,3}/[1-9][0-9]{0,3}$`)
)

// Read reads a report as WriteJSON wrote it, at most MaxBytes, and checks it as data from outside:
// its format, every run a result points at, every result's name, digest and outcome, and no character
// that would move a terminal's cursor in anything it prints.
func Read(r io.Reader) (*Report, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxBytes {
		return nil, fmt.Errorf("over %d MiB: expected a report of lvslab test --json", MaxBytes>>20)
	}
	var rep Report
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		var peek struct{ Format string }
		if json.Unmarshal(data, &peek) == nil && peek.Format != "" && peek.Format != Format {
			return nil, fmt.Errorf("format %q: this lvslab reads %q", clip(peek.Format), Format)
		}
		return nil, fmt.Errorf("not a report of lvslab test --json (%s): %w", Format, err)
	}
	if err := rep.validate(); err != nil {
		return nil, err
	}
	return &rep, nil
}

func (r *Report) validate() error {
	if r.Format != Format {
		return fmt.Errorf("format %q: expected %q, as lvslab test --json writes", clip(r.Format), Format)
	}
	if len(r.Runs) == 0 || len(r.Runs) > maxRuns {
		return fmt.Errorf("%d runs: expected 1 to %d", len(r.Runs), maxRuns)
	}
	if len(r.Results) > maxResults {
		return fmt.Errorf("%d results: expected at most %d", len(r.Results), maxResults)
	}
	for i, run := range r.Runs {
		if err := run.validate(); err != nil {
			return fmt.Errorf("run %d: %w", i, err)
		}
	}
	for i := range r.Results {
		res := &r.Results[i]
		if err := res.validate(len(r.Runs)); err != nil {
			return fmt.Errorf("result %d (%s): %w", i, clip(res.Name), err)
		}
	}
	return nil
}

func (run *Run) validate() error {
	if run.Kernel.Release == "" {
		return errors.New("no kernel release")
	}
	for what, s := range map[string]string{"kernel release": run.Kernel.Release, "kernel package": run.Kernel.Package,
		"package version": run.Kernel.PackageVersion, "asked kernel": run.Kernel.Asked, "lvslab version": run.LVSLAB.Version,
		"lvslab commit": run.LVSLAB.Commit, "ipvsadm": run.IPVSAdm} {
		if err := printableLine(what, s); err != nil {
			return err
		}
	}
	if m := run.Machine; m != nil {
		for what, s := range map[string]string{"qemu": m.QEMU, "accelerator": m.Accel, "accelerator fallback": m.AccelFallback} {
			if err := printableLine(what, s); err != nil {
				return err
			}
		}
	}
	if run.Shard != "" {
		if _, _, err := ParseShard(run.Shard); err != nil {
			return err
		}
	}
	if run.Seconds < 0 || run.Parallel < 0 {
		return fmt.Errorf("seconds %g, parallel %d: expected neither negative", run.Seconds, run.Parallel)
	}
	return nil
}

func (res *Result) validate(runs int) error {
	if res.Run < 0 || res.Run >= runs {
		return fmt.Errorf("run %d: the report has runs 0 to %d", res.Run, runs-1)
	}
	if res.Name == "" || len(res.Name) > maxName {
		return fmt.Errorf("name of %d bytes: expected 1 to %d", len(res.Name), maxName)
	}
	if !digestPattern.MatchString(res.Digest) {
		return fmt.Errorf("digest %q: expected sha256: and 64 hex digits", clip(res.Digest))
	}
	switch res.Result {
	case Pass, Fail, Error, Skipped:
	default:
		return fmt.Errorf("result %q: expected pass, fail, error or skipped", clip(res.Result))
	}
	if res.Seconds < 0 {
		return fmt.Errorf("seconds %g: expected not negative", res.Seconds)
	}
	for what, s := range map[string]string{"name": res.Name, "source": res.Source, "about": res.About} {
		if err := printableLine(what, s); err != nil {
			return err
		}
	}
	for k, v := range res.Sysctls {
		if err := printableLine("sysctl", k+v); err != nil {
			return err
		}
	}
	if err := printableText("error", res.Error); err != nil {
		return err
	}
	if res.Diagram != nil {
		if err := res.Diagram.Validate(); err != nil {
			return err
		}
	}
	for _, p := range res.Phases {
		for _, v := range p.Verdicts {
			if err := printableText("verdict", v.Name+v.Summary+v.Detail); err != nil {
				return err
			}
			if err := validSplit(v.Split); err != nil {
				return fmt.Errorf("verdict %s: %w", clip(v.Name), err)
			}
			if err := validOrder(v.Order); err != nil {
				return fmt.Errorf("verdict %s: %w", clip(v.Name), err)
			}
		}
	}
	return nil
}

// Bounds of a verdict's pictures: a split of one row per real server, a window of a sequence.
const (
	maxSplit = 10_000
	maxOrder = 1_000
)

func validSplit(split []assert.Share) error {
	if len(split) > maxSplit {
		return fmt.Errorf("split of %d servers: expected at most %d", len(split), maxSplit)
	}
	for _, sh := range split {
		if err := serverName(sh.Server); err != nil {
			return err
		}
		if !(sh.Expected >= 0) || math.IsInf(sh.Expected, 1) || sh.Observed < 0 || sh.Lo < 0 || sh.Hi < 0 {
			return fmt.Errorf("split of %s: expected %g, observed %d, accepted %d..%d: expected finite counts, none negative",
				clip(sh.Server), sh.Expected, sh.Observed, sh.Lo, sh.Hi)
		}
	}
	return nil
}

func validOrder(o *assert.Order) error {
	if o == nil {
		return nil
	}
	if len(o.Expected) > maxOrder || len(o.Expected) != len(o.Observed) {
		return fmt.Errorf("order window of %d and %d connections: expected two of the same length, at most %d", len(o.Expected), len(o.Observed), maxOrder)
	}
	if o.Offset < 0 || o.Total < o.Offset+len(o.Expected) || o.First < -1 || o.First >= o.Total {
		return fmt.Errorf("order window at %d of %d, first difference at %d: expected them within the sequence", o.Offset, o.Total, o.First)
	}
	for i := range o.Expected {
		if err := serverName(o.Expected[i]); err != nil {
			return err
		}
		if err := serverName(o.Observed[i]); err != nil {
			return err
		}
	}
	return nil
}

func serverName(s string) error {
	if len(s) > maxName {
		return fmt.Errorf("server name of %d bytes: expected at most %d", len(s), maxName)
	}
	return printableLine("server name", s)
}

// printableLine refuses control characters, which a terminal would act on.
func printableLine(what, s string) error {
	for _, c := range s {
		if unicode.IsControl(c) {
			return fmt.Errorf("%s %q: expected no control characters", what, clip(s))
		}
	}
	return nil
}

// printableText is printableLine that allows line breaks and tabs.
func printableText(what, s string) error {
	return printableLine(what, strings.NewReplacer("\n", "", "\t", "").Replace(s))
}

// ParseShard reads K/N: shard K of N, 1 ≤ K ≤ N.
func ParseShard(s string) (k, n int, err error) {
	if !shardPattern.MatchString(s) {
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
