// Command testsel reads `go test -json` on stdin, prints what a plain `go test` would (each package's
// result line, and the output of the tests that failed), and writes to the file named by -ipvs the tests
// that skipped themselves for want of IPVS (needs.IPVS), one "PACKAGE REGEXP" line per package, for
// make test to run again inside the microVM. It exits 1 if any test or package failed.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/lvslab/lvslab/internal/needs"
)

// event is one line of test2json's output.
type event struct {
	Action     string
	Package    string
	ImportPath string
	Test       string
	Output     string
}

type key struct{ pkg, test string }

func main() {
	ipvsFile := flag.String("ipvs", "", "write the tests skipped for want of IPVS to this file")
	flag.Parse()
	failed, ipvs, err := run(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsel:", err)
		os.Exit(2)
	}
	if *ipvsFile != "" {
		if err := os.WriteFile(*ipvsFile, []byte(selection(ipvs)), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "testsel:", err)
			os.Exit(2)
		}
	}
	if failed {
		os.Exit(1)
	}
}

// run renders the events and returns whether anything failed and, by package, the top-level tests that
// skipped for want of IPVS.
func run(in io.Reader, out io.Writer) (failed bool, ipvs map[string][]string, err error) {
	outputs := map[key][]string{}
	ipvs = map[string][]string{}
	seen := map[key]bool{}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if json.Unmarshal(line, &e) != nil || e.Action == "" {
			fmt.Fprintf(out, "%s\n", line) // not test2json's: pass it on
			continue
		}
		k := key{e.Package, e.Test}
		switch e.Action {
		case "build-output":
			fmt.Fprint(out, e.Output)
		case "build-fail":
			failed = true
		case "output":
			if e.Test == "" {
				if e.Output != "PASS\n" && !strings.HasPrefix(e.Output, "=== ") {
					fmt.Fprint(out, e.Output)
				}
				continue
			}
			outputs[k] = append(outputs[k], e.Output)
		case "fail":
			failed = true
			if e.Test != "" {
				for _, o := range outputs[k] {
					if !strings.HasPrefix(strings.TrimSpace(o), "=== ") {
						fmt.Fprint(out, o)
					}
				}
			}
			delete(outputs, k)
		case "skip":
			if e.Test != "" && strings.Contains(strings.Join(outputs[k], ""), needs.IPVSMarker) {
				top := strings.SplitN(e.Test, "/", 2)[0]
				if tk := (key{e.Package, top}); !seen[tk] {
					seen[tk] = true
					ipvs[e.Package] = append(ipvs[e.Package], top)
				}
			}
			delete(outputs, k)
		case "pass":
			delete(outputs, k)
		}
	}
	return failed, ipvs, sc.Err()
}

// selection is one "PACKAGE ^(TestA|TestB)$" line per package, sorted.
func selection(ipvs map[string][]string) string {
	pkgs := make([]string, 0, len(ipvs))
	for p := range ipvs {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	var b strings.Builder
	for _, p := range pkgs {
		tests := ipvs[p]
		sort.Strings(tests)
		for i, t := range tests {
			tests[i] = regexp.QuoteMeta(t)
		}
		fmt.Fprintf(&b, "%s ^(%s)$\n", p, strings.Join(tests, "|"))
	}
	return b.String()
}
