package main

import (
	"fmt"
	"math"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/lvslab/lvslab/report"
)

func newReportCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Work with the reports of lvslab test: join those of shards and kernels",
	}
	cmd.AddCommand(newReportMergeCommand())
	return cmd
}

func newReportMergeCommand() *cobra.Command {
	var junit, jsonFile, html string
	cmd := &cobra.Command{
		Use:   "merge FILE.json... [--json FILE] [--junit FILE] [--html FILE]",
		Short: "Join the --json reports of lvslab test's shards and kernels into one report, JSON, JUnit and summary",
		Long: `Join reports that lvslab test --json wrote: the shards of a suite (--shard K/N), each job of a CI
matrix, on one kernel or several. The joined report holds every run and every result, and prints as
lvslab test prints one: what each kernel ran on, the scenario-by-kernel table where there are several
kernels, with a line for each scenario whose verdict differs between them, and the counts. A scenario
that ran twice on one kernel (shards that overlap, a file given twice) is refused; a shard missing from a
kernel's runs is named.

Exit status as lvslab test's: 0 when every expectation held, 1 when one failed, 2 when a scenario could
not run, a shard is missing, or a file is not a report.`,
		Example: `  lvslab report merge shard-1.json shard-2.json shard-3.json --junit all.xml --json all.json --html all.html
  lvslab report merge reports/*/lvslab.json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			style, err := resolveBars(cmd)
			if err != nil {
				return err
			}
			if _, err := absOutputs(&junit, &jsonFile, &html); err != nil {
				return unusable(err)
			}
			// The files together take at most report.MaxKept once read; the collector keeps the heap near
			// that rather than letting it grow to twice what is live before it collects.
			if debug.SetMemoryLimit(-1) == math.MaxInt64 {
				debug.SetMemoryLimit(report.MaxKept + 128<<20)
			}
			var reports []*report.Report
			budget := report.NewBudget() // what all the files may take together
			for _, path := range args {
				r, err := report.ReadFileWith(path, budget.Read)
				if err != nil {
					return unusable(err)
				}
				reports = append(reports, r)
			}
			merged, err := report.Merge(args, reports)
			if err != nil {
				return unusable(err)
			}
			w := cmd.OutOrStdout()
			for i := range merged.Results {
				if res := &merged.Results[i]; res.Result != report.Pass {
					if len(merged.Kernels()) > 1 {
						fmt.Fprintf(w, "[%s] ", merged.KernelOf(res).Release)
					}
					res.WriteText(w, style)
				}
			}
			return finishReport(w, merged, reportFiles{junit, jsonFile, html}, merged.Gaps())
		},
	}
	cmd.Flags().StringVar(&junit, "junit", "", "write the joined report as JUnit XML to this file")
	cmd.Flags().StringVar(&jsonFile, "json", "", "write the joined report as JSON to this file")
	cmd.Flags().StringVar(&html, "html", "", "write the joined report as one self-contained HTML page to this file")
	addBarsFlag(cmd)
	return cmd
}
