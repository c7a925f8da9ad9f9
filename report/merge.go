package report

import "fmt"

// Merge joins reports, of shards and of kernels, into one: every run, and every result pointing at its
// run in the joined list. A scenario must not have run twice on one kernel: two shards that overlap, or
// one report given twice, would count its verdicts twice. names label the reports in errors (their files).
func Merge(names []string, reports []*Report) (*Report, error) {
	out := &Report{Format: Format}
	type where struct{ report, run int }
	seen := map[string]where{} // kernel and scenario name
	for i, r := range reports {
		offset := len(out.Runs)
		out.Runs = append(out.Runs, r.Runs...)
		for _, res := range r.Results {
			key := r.Runs[res.Run].Kernel.KernelKey() + "\x00" + res.Name
			if w, dup := seen[key]; dup {
				return nil, fmt.Errorf("scenario %s ran twice on kernel %s: in %s and in %s; expected the shards of one suite, each report once",
					res.Name, r.Runs[res.Run].Kernel.Release, names[w.report], names[i])
			}
			seen[key] = where{i, res.Run}
			res.Run += offset
			out.Results = append(out.Results, res)
		}
	}
	if len(out.Runs) > maxRuns || len(out.Results) > maxResults {
		return nil, fmt.Errorf("%d runs and %d results together: expected at most %d and %d", len(out.Runs), len(out.Results), maxRuns, maxResults)
	}
	return out, nil
}

// Gaps says, for each kernel whose runs were shards, which shards of the suite are missing: a merged
// report without them did not run every scenario there.
func (r *Report) Gaps() []string {
	var gaps []string
	for _, k := range r.Kernels() {
		have := map[int]bool{}
		n := 0
		for _, run := range r.Runs {
			if run.Kernel.KernelKey() != k.KernelKey() || run.Shard == "" {
				continue
			}
			kk, nn, _ := ParseShard(run.Shard)
			if n != 0 && nn != n {
				gaps = append(gaps, fmt.Sprintf("kernel %s: shards of %d and of %d runs mixed", k.Release, n, nn))
			}
			n = max(n, nn)
			have[kk] = true
		}
		for kk := 1; kk <= n; kk++ {
			if !have[kk] {
				gaps = append(gaps, fmt.Sprintf("kernel %s: shard %d/%d is missing", k.Release, kk, n))
			}
		}
	}
	return gaps
}
