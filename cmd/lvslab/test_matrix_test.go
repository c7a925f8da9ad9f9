package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/labtest"
	"github.com/lvslab/lvslab/report"
	"github.com/lvslab/lvslab/scenarios"
)

func TestTestRefusesBadFlagsBeforeRunningAnything(t *testing.T) {
	c := newCLI(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"test", "--shard", "4/3"}, "--shard: shard 4/3: K must be 1 to N (3)"},
		{[]string{"test", "--shard", "two"}, `expected K/N, such as 2/3`},
		{[]string{"test", "--kernel", "Linux 6.12"}, "expected a Debian package such as linux-image-6.12-amd64, or VMLINUZ:MODULES_DIR"},
		{[]string{"test", "--kernel", "/boot/vmlinuz"}, "a kernel of your own is VMLINUZ:MODULES_DIR"},
		{[]string{"test", "--kernel", "linux-image-amd64", "--kernel", "linux-image-amd64"}, "--kernel linux-image-amd64 given twice"},
		{[]string{"test", "--kernel", "linux-image-amd64", "--vm=never"}, "--vm=never forbids one"},
		{[]string{"test", "-j", "0"}, "--parallel 0: want 1 to 64"},
	} {
		if out := c.expect(exitUnusable, tt.args...); !strings.Contains(out, tt.want) {
			t.Errorf("lvslab %s:\n%s\nwant it to say %q", strings.Join(tt.args, " "), out, tt.want)
		}
	}
}

// writeRun writes a report of one run on a kernel, with each name's result ("pass", "fail", "skipped").
func writeRun(t *testing.T, path, release, shard string, results map[string]string) {
	t.Helper()
	r := &report.Report{Format: report.Format, Runs: []report.Run{{Kernel: report.Kernel{Release: release}, Shard: shard, Parallel: 1}}}
	for name, res := range results {
		r.Results = append(r.Results, report.Result{Name: name, Source: "embedded:" + name + ".yaml", Digest: "sha256:" + strings.Repeat("0", 64),
			Result: res, Phases: []report.Phase{}})
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := r.WriteJSON(f); err != nil {
		t.Fatal(err)
	}
}

func TestReportMergeJoinsShardsAndSaysWhatIsMissing(t *testing.T) {
	c, dir := newCLI(t), t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	writeRun(t, p("1.json"), "6.1.0-57-amd64", "1/3", map[string]string{"rr": "pass", "twos": "skipped"})
	writeRun(t, p("2.json"), "6.1.0-57-amd64", "2/3", map[string]string{"dh": "pass"})
	writeRun(t, p("3.json"), "6.1.0-57-amd64", "3/3", map[string]string{"sh": "pass"})
	out := c.expect(0, "report", "merge", p("1.json"), p("2.json"), p("3.json"), "--json", p("all.json"), "--junit", p("all.xml"))
	if !strings.Contains(out, "4 scenarios in 0.0 s: 3 passed, 0 failed, 0 could not run, 1 skipped") || !strings.Contains(out, "shards   1/3 2/3 3/3") {
		t.Errorf("report merge:\n%s", out)
	}
	f, err := os.Open(p("all.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if all, err := report.Read(f); err != nil || len(all.Runs) != 3 || len(all.Results) != 4 {
		t.Errorf("the joined JSON: %v, %+v", err, all)
	}
	if x, err := os.ReadFile(p("all.xml")); err != nil || !strings.Contains(string(x), `<testsuites name="lvslab" tests="4" failures="0" errors="0" skipped="1">`) {
		t.Errorf("the joined JUnit (%v):\n%s", err, x)
	}

	out = c.expect(exitUnusable, "report", "merge", p("1.json"), p("3.json"))
	if !strings.Contains(out, "could not run: kernel 6.1.0-57-amd64: shard 2/3 is missing") {
		t.Errorf("report merge without shard 2:\n%s", out)
	}
	out = c.expect(exitUnusable, "report", "merge", p("1.json"), p("1.json"))
	if !strings.Contains(out, "ran twice on kernel 6.1.0-57-amd64") {
		t.Errorf("report merge of one file twice:\n%s", out)
	}
	writeRun(t, p("612.json"), "6.12.117+deb12-amd64", "", map[string]string{"rr": "pass", "twos": "fail", "dh": "pass", "sh": "pass"})
	out = c.expect(exitFailed, "report", "merge", p("1.json"), p("2.json"), p("3.json"), p("612.json"))
	for _, want := range []string{"[6.12.117+deb12-amd64] FAIL  twos", "twos      SKIP            FAIL", "twos: skipped on 6.1.0-57-amd64, fail on 6.12.117+deb12-amd64"} {
		if !strings.Contains(out, want) {
			t.Errorf("report merge of two kernels lacks %q:\n%s", want, out)
		}
	}
	os.WriteFile(p("bad.json"), []byte(`[{"name": "rr"}]`), 0o644)
	if out := c.expect(exitUnusable, "report", "merge", p("bad.json")); !strings.Contains(out, "not a report of lvslab test --json") {
		t.Errorf("report merge of a file that is no report:\n%s", out)
	}
}

// resultsOf reads a report's verdicts by kernel release and scenario.
func resultsOf(t *testing.T, path string) map[string]map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := report.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for i := range r.Results {
		res := &r.Results[i]
		k := r.KernelOf(res).Release
		if out[k] == nil {
			out[k] = map[string]string{}
		}
		if _, dup := out[k][res.Name]; dup {
			t.Errorf("%s ran twice on %s", res.Name, k)
		}
		out[k][res.Name] = res.Result
	}
	return out
}

// The three shards of a selection run each of its scenarios once, and their merged report has the
// verdicts of the run of them all.
func TestIPVSShardsTogetherAreTheWholeRun(t *testing.T) {
	labtest.RequireIPVS(t)
	c, dir := newCLI(t), t.TempDir()
	picked := []string{"rr", "dh", "sh", "fo", "lc"}
	c.expect(0, append([]string{"test", "--vm=never", "--json", filepath.Join(dir, "all.json")}, picked...)...)
	var shards []string
	for _, k := range []string{"1", "2", "3"} {
		path := filepath.Join(dir, "shard-"+k+".json")
		c.expect(0, append([]string{"test", "--vm=never", "--shard", k + "/3", "--json", path}, picked...)...)
		shards = append(shards, path)
	}
	c.expect(0, append([]string{"report", "merge", "--json", filepath.Join(dir, "merged.json")}, shards...)...)
	whole, merged := resultsOf(t, filepath.Join(dir, "all.json")), resultsOf(t, filepath.Join(dir, "merged.json"))
	a, _ := json.Marshal(whole)
	b, _ := json.Marshal(merged)
	if string(a) != string(b) || len(whole[kernelRelease()]) != len(picked) {
		t.Errorf("the whole run: %s\nits three shards merged: %s", a, b)
	}
}

// The CI engineer's matrix, in one command on Debian 12's 6.1 and on 6.12, side by side: the differential
// test (every scenario that holds the kernel to lvslab's model, connection by connection) passes on both,
// and twos (Linux 6.7 and later) passes on 6.12 and is skipped on 6.1. (The whole suite's matrix is the
// same command without the names.)
func TestVMKernelMatrixOf61And612(t *testing.T) {
	needMicroVM(t)
	c, dir := newCLI(t), t.TempDir()
	path := filepath.Join(dir, "matrix.json")
	suite, err := scenarios.Suite()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"test", "--kernel", "linux-image-amd64", "--kernel", "linux-image-6.12-amd64", "--json", path, "twos"}
	for _, sc := range suite {
		if sc.Phases[0].Expect.Model {
			args = append(args, sc.Name)
		}
	}
	out := c.expect(0, args...)
	got := resultsOf(t, path)
	var k61, k612 string
	for k := range got {
		if strings.HasPrefix(k, "6.1.") {
			k61 = k
		}
		if strings.HasPrefix(k, "6.12.") {
			k612 = k
		}
	}
	if k61 == "" || k612 == "" {
		t.Fatalf("kernels %v: want a 6.1 and a 6.12\n%s", got, out)
	}
	if got[k61]["twos"] != report.Skipped || got[k612]["twos"] != report.Pass {
		t.Errorf("twos: %s on %s, %s on %s; want skipped on 6.1, pass on 6.12", got[k61]["twos"], k61, got[k612]["twos"], k612)
	}
	for name, res := range got[k61] {
		if name != "twos" && (res != report.Pass || got[k612][name] != report.Pass) {
			t.Errorf("%s: %s on 6.1, %s on 6.12; want pass on both", name, res, got[k612][name])
		}
	}
	if len(got[k61]) != len(args)-7 || len(got[k612]) != len(got[k61]) {
		t.Errorf("%d scenarios on 6.1, %d on 6.12; want %d on each", len(got[k61]), len(got[k612]), len(args)-7)
	}
	if !strings.Contains(out, "1 scenario differs between kernels:\n  twos: skipped on "+k61) {
		t.Errorf("the summary does not single out twos:\n%s", out)
	}
	t.Logf("the matrix:\n%s", out)
}
