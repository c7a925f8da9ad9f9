package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// writeCrafted writes a report of one run whose results are result(i), until the file holds size bytes.
func writeCrafted(t *testing.T, path string, size int, result func(i int) string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintf(w, `{"format": "lvslab-report/1", "runs": [{"lvslab": {"version": "v1"}, "kernel": {"release": "6.1"}, "parallel": 1, "started": "2026-01-01T00:00:00Z", "seconds": 1}], "results": [`)
	for i, n := 0, 0; n < size; i++ {
		if i > 0 {
			w.WriteString(",")
		}
		r := fmt.Sprintf(`{"run": 0, "name": "s%d", "source": "", "digest": "sha256:%s", "result": "fail", "seconds": 1, %s}`, i, strings.Repeat("ab", 32), result(i))
		n += len(r)
		w.WriteString(r)
	}
	w.WriteString("]}\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func repeated(item string, n int) string { return strings.TrimSuffix(strings.Repeat(item+",", n), ",") }

// windows is a result's phases, each with verdicts that keep a window of n connections.
func windows(phases, verdicts, n int) string {
	v := fmt.Sprintf(`{"name": "model", "pass": false, "summary": "differs", "order": {"offset": 0, "expected": [%s], "observed": [%s], "first": 0, "total": 1000}}`,
		repeated(`"a"`, n), repeated(`"b"`, n))
	return `"phases": [` + repeated(`{"verdicts": [`+repeated(v, verdicts)+`]}`, phases) + `]`
}

// report merge of crafted reports keeps within its memory and writes a page in proportion: the shape of
// the report that took 6 GB and wrote a 932 MB page (within every bound then, refused now), and two
// shapes within every bound now, a page's worth of windows and a memory's worth of connections.
func TestReportMergeKeepsWithinItsMemory(t *testing.T) {
	const (
		peakBound = 1 << 30  // of memory, whatever the reports
		pageBound = 65 << 20 // the page's drawings and texts, and a row and section per scenario
	)
	dir := t.TempDir()
	for _, c := range []struct {
		what   string
		size   int
		result func(i int) string
		exit   int
	}{
		{"100 windows of 1000 connections a result", 50 << 20, func(int) string { return windows(1, 100, 1000) }, exitUnusable},
		{"3200 windows of 40 connections a result", 40 << 20, func(int) string { return windows(100, 32, 40) }, exitFailed},
		{"a million connections a result", 56 << 20, func(int) string {
			return `"phases": [{"verdicts": [], "load": {"url": "http://192.168.0.75/", "sequence": [` + repeated(`"a"`, 1_000_000) +
				`], "clients": [` + repeated(`""`, 1_000_000) + `]}}]`
		}, exitFailed},
	} {
		t.Run(c.what, func(t *testing.T) {
			in, page := filepath.Join(dir, "in.json"), filepath.Join(dir, "page.html")
			os.Remove(page)
			writeCrafted(t, in, c.size, c.result)
			cli := newCLI(t)
			cmd := cli.command("report", "merge", in, "--html", page, "--json", filepath.Join(dir, "out.json"))
			out, _ := cmd.CombinedOutput()
			if code := cmd.ProcessState.ExitCode(); code != c.exit {
				t.Errorf("exit %d, want %d; output ends:\n%s", code, c.exit, tail(string(out), 400))
			}
			peak := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10
			st, err := os.Stat(page)
			size := int64(0)
			if err == nil {
				size = st.Size()
			}
			t.Logf("%d MiB of report: %d MiB of memory at most, a page of %.1f MiB, CPU %.1f s", c.size>>20, peak>>20, float64(size)/(1<<20),
				(cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds())
			if peak > peakBound {
				t.Errorf("report merge took %d MiB of memory, more than %d", peak>>20, peakBound>>20)
			}
			if size > pageBound {
				t.Errorf("report merge wrote a page of %d MiB, more than %d", size>>20, pageBound>>20)
			}
		})
	}
}

func tail(s string, n int) string { return s[max(0, len(s)-n):] }

// A refused report is named by its file, the field and the bound, with what to do.
func TestReportMergeNamesTheFileTheFieldAndTheBound(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.json"), filepath.Join(dir, "bad.json")
	writeCrafted(t, good, 1, func(int) string { return windows(1, 1, 40) })
	writeCrafted(t, bad, 1, func(int) string { return windows(1, 1, 41) })
	out := newCLI(t).expect(exitUnusable, "report", "merge", good, bad)
	want := bad + ": results[0].phases[0].verdicts[0].order.expected: more than 40 connections: lvslab test keeps a window of 40 around the first difference; expected a report that lvslab test --json wrote, unchanged"
	if !strings.Contains(out, want) {
		t.Errorf("report merge of a window of 41 printed:\n%s\nwant:\n%s", out, want)
	}
}
