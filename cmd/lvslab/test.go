package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lvslab/lvslab/scenarios"
)

func newTestCommand() *cobra.Command {
	var junit, jsonFile string
	var parallel int
	cmd := &cobra.Command{
		Use:   "test [SCENARIO...] [--junit FILE] [--json FILE]",
		Short: "Check the kernel's IPVS schedulers against their promises: the scenario suite, or your scenarios",
		Long: `Run scenarios: each builds a lab of its own (a fresh director, so no old connection entry biases the
schedulers), programs the director's rules, sends load from the client, and checks what happened against
what the kernel promises: exact sequences and lvslab's reference model of each scheduler, the split of
connections among real servers (exactly, or with a test whose false-failure rate is 1e-6), each client
address sticking to one server, and every connection counted alike by the servers, by the director's
connection table and by IPVS.

With no SCENARIO, the built-in suite runs: every scheduler under NAT and the tutorial's own examples
(wrr 3:1, sed with weights 1, 4, 6 and held connections, nq, weight 0, a scheduler change with -E).
A SCENARIO is a scenario file, or the name of a built-in one.

Where this kernel has no IPVS (or you are not root) the scenarios run in a microVM; --junit and --json
files are written on this machine all the same. Exit status 0 when every expectation held, 1 when one
failed, 2 when a scenario could not be run.`,
		Example: `  sudo lvslab test
  sudo lvslab test sed-tutorial wrr-tutorial
  lvslab test my-scenario.yaml --junit report.xml --json report.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			outputs, err := absOutputs(&junit, &jsonFile)
			if err != nil {
				return unusable(err)
			}
			if parallel < 1 || parallel > maxParallel {
				return unusable(fmt.Errorf("--parallel %d: want 1 to %d scenarios at once", parallel, maxParallel))
			}
			suite, err := selectScenarios(args)
			if err != nil {
				return unusable(err)
			}
			if ran, err := maybeInVM(cmd, outputs); ran {
				return err
			}
			return runScenarios(cmd, suite, parallel, junit, jsonFile)
		},
	}
	cmd.Flags().StringVar(&junit, "junit", "", "write a JUnit XML report to this file")
	cmd.Flags().StringVar(&jsonFile, "json", "", "write every verdict and measurement as JSON to this file")
	cmd.Flags().IntVarP(&parallel, "parallel", "j", defaultParallel, "scenarios to run at once, each in a lab of its own")
	addVMFlag(cmd)
	return cmd
}

// defaultParallel scenarios run at once: most of a scenario's time is spent waiting (for connections to
// close, templates to expire, children to start), so more than the cores keep them busy.
const (
	defaultParallel = 4
	maxParallel     = 64
)

func runScenarios(cmd *cobra.Command, suite []*scenarios.Scenario, parallel int, junit, jsonFile string) error {
	w := cmd.OutOrStdout()
	start := time.Now()
	outcomes := scenarios.RunSuite(cmd.Context(), suite, scenarios.SuiteOptions{Parallel: parallel, Done: func(o *scenarios.Outcome) {
		if cmd.Context().Err() != nil && o.Err != nil {
			o.Err = fmt.Errorf("interrupted: %w", o.Err)
		}
		o.WriteText(w)
	}})
	if len(outcomes) < len(suite) {
		fmt.Fprintf(w, "\ninterrupted: %d of %d scenarios ran; the reports cover those\n", len(outcomes), len(suite))
	}
	failedN, errorsN, skippedN := 0, 0, 0
	for _, o := range outcomes {
		switch {
		case o.Skipped != "":
			skippedN++
		case o.Err != nil:
			errorsN++
		case !o.Pass():
			failedN++
		}
	}
	elapsed := time.Since(start)
	fmt.Fprintf(w, "\n%d scenarios in %.1f s: %d passed, %d failed, %d could not run, %d skipped\n", len(outcomes), elapsed.Seconds(),
		len(outcomes)-failedN-errorsN-skippedN, failedN, errorsN, skippedN)
	if err := writeReport(junit, func(f *os.File) error { return scenarios.WriteJUnit(f, outcomes, elapsed) }); err != nil {
		return unusable(err)
	}
	if err := writeReport(jsonFile, func(f *os.File) error { return scenarios.WriteJSON(f, outcomes) }); err != nil {
		return unusable(err)
	}
	switch {
	case errorsN > 0:
		return &exitError{code: exitUnusable, quiet: true}
	case failedN > 0:
		return &exitError{code: exitFailed, quiet: true}
	}
	return nil
}

func writeReport(path string, write func(*os.File) error) error {
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

// selectScenarios loads the named scenarios (files, or built-in names), or the whole built-in suite.
func selectScenarios(args []string) ([]*scenarios.Scenario, error) {
	suite, err := scenarios.Suite()
	if err != nil {
		return nil, err
	}
	if len(args) == 0 {
		return suite, nil
	}
	var out []*scenarios.Scenario
	for _, a := range args {
		s, err := scenarios.LoadFile(a)
		if errors.Is(err, fs.ErrNotExist) && !strings.ContainsAny(a, "/.") {
			s = builtIn(suite, a)
			if s == nil {
				return nil, fmt.Errorf("no scenario file %s, and no built-in scenario of that name (built in: %s)", a, names(suite))
			}
		} else if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func builtIn(suite []*scenarios.Scenario, name string) *scenarios.Scenario {
	for _, s := range suite {
		if s.Name == name {
			return s
		}
	}
	return nil
}

func names(suite []*scenarios.Scenario) string {
	var n []string
	for _, s := range suite {
		n = append(n, s.Name)
	}
	return strings.Join(n, " ")
}
