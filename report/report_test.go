package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lvslab/lvslab/assert"
	"github.com/lvslab/lvslab/graph"
)

var digest = "sha256:" + strings.Repeat("ab", 32)

func kernel61() Kernel {
	return Kernel{Release: "6.1.0-57-amd64", Package: "linux-image-6.1.0-57-amd64", PackageVersion: "6.1.192-3", Asked: "linux-image-amd64"}
}

func kernel612() Kernel {
	return Kernel{Release: "6.12.117+deb12-amd64", Package: "linux-image-6.12.117+deb12-amd64", PackageVersion: "6.12.117-1~deb12u1"}
}

// oneRun is a report of one run on k: each name passes, but for a "skip:" or "fail:" prefix.
func oneRun(k Kernel, shard string, names ...string) *Report {
	r := &Report{Format: Format, Runs: []Run{{LVSLAB: Build{Version: "v1", Commit: "abc"}, Kernel: k, Shard: shard, Parallel: 4,
		Started: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC), Seconds: 10,
		Machine: &Machine{QEMU: "QEMU emulator version 7.2.22", Accel: "tcg", CPUs: 2, Userland: "Debian bookworm amd64, 114 packages: ipvsadm 1:1.31-1+b1"}}}}
	for _, n := range names {
		res := Result{Name: n, Source: "embedded:" + n + ".yaml", Digest: digest, Result: Pass, Seconds: 1,
			Sysctls: map[string]string{"conn_reuse_mode": "1"},
			Phases:  []Phase{{Verdicts: []Verdict{{Name: "sequence", Pass: true, Summary: "as expected"}}}}}
		if s, ok := strings.CutPrefix(n, "skip:"); ok {
			res.Name, res.Result, res.Error, res.Phases = s, Skipped, "this kernel lacks the scheduler twos", nil
		}
		if s, ok := strings.CutPrefix(n, "fail:"); ok {
			res.Name, res.Result = s, Fail
			res.Phases[0].Verdicts[0] = Verdict{Name: "sequence", Summary: "2 of 7 differ", Detail: "want rs1\n got rs2"}
		}
		res.Source = "embedded:" + res.Name + ".yaml"
		r.Results = append(r.Results, res)
	}
	return r
}

func roundTrip(t *testing.T, r *Report) *Report {
	t.Helper()
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	back, err := Read(&b)
	if err != nil {
		t.Fatalf("Read of what WriteJSON wrote: %v\n%s", err, b.String())
	}
	return back
}

func TestMergeJoinsShardsAndKernelsIntoOneMatrix(t *testing.T) {
	parts := []*Report{
		roundTrip(t, oneRun(kernel61(), "1/2", "rr", "skip:twos")),
		roundTrip(t, oneRun(kernel61(), "2/2", "wrr")),
		roundTrip(t, oneRun(kernel612(), "", "rr", "twos", "fail:wrr")),
	}
	m, err := Merge([]string{"a.json", "b.json", "c.json"}, parts)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Runs) != 3 || len(m.Results) != 6 || m.Results[2].Run != 1 || m.Results[5].Run != 2 {
		t.Fatalf("merged %d runs, %d results, runs of results 2 and 5: %d %d; want 3, 6, 1, 2", len(m.Runs), len(m.Results), m.Results[2].Run, m.Results[5].Run)
	}
	if c := m.Count(); c != (Counts{Passed: 4, Failed: 1, Skipped: 1}) {
		t.Errorf("counts %+v", c)
	}
	if g := m.Gaps(); len(g) != 0 {
		t.Errorf("gaps %v, want none: both shards of 6.1 are there", g)
	}
	var out bytes.Buffer
	for _, k := range m.Kernels() {
		m.WriteHeader(&out, k)
	}
	m.WriteSummary(&out)
	for _, want := range []string{
		"kernel   6.1.0-57-amd64 (Debian linux-image-6.1.0-57-amd64 6.1.192-3)\n",
		"machine  microVM under TCG, 2 CPUs, QEMU emulator version 7.2.22\n",
		"userland Debian bookworm amd64, 114 packages: ipvsadm 1:1.31-1+b1\n",
		"lvslab   v1 abc\n", "sysctls  conn_reuse_mode=1\n", "shards   1/2 2/2\n",
		"scenario  6.1.0-57-amd64  6.12.117+deb12-amd64\nrr        PASS            PASS\ntwos      SKIP            PASS\nwrr       PASS            FAIL\n",
		"2 scenarios differ between kernels:\n",
		"  twos: skipped on 6.1.0-57-amd64 (this kernel lacks the scheduler twos), pass on 6.12.117+deb12-amd64\n",
		"  wrr: pass on 6.1.0-57-amd64, fail on 6.12.117+deb12-amd64\n",
		"6 scenarios on 2 kernels in 10.0 s: 4 passed, 1 failed, 0 could not run, 1 skipped\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
}

func TestMergeRefusesAScenarioTwiceOnOneKernel(t *testing.T) {
	a, b := oneRun(kernel61(), "1/2", "rr", "dh"), oneRun(kernel61(), "2/2", "dh")
	_, err := Merge([]string{"a.json", "b.json"}, []*Report{a, b})
	if err == nil || !strings.Contains(err.Error(), "scenario dh ran twice on kernel 6.1.0-57-amd64: in a.json and in b.json") {
		t.Errorf("Merge of overlapping shards: %v", err)
	}
	if _, err := Merge([]string{"a.json", "c.json"}, []*Report{a, oneRun(kernel612(), "", "dh")}); err != nil {
		t.Errorf("one scenario on two kernels: %v", err)
	}
}

func TestGapsNameTheMissingShard(t *testing.T) {
	m, err := Merge([]string{"1", "3"}, []*Report{oneRun(kernel61(), "1/3", "rr"), oneRun(kernel61(), "3/3", "dh")})
	if err != nil {
		t.Fatal(err)
	}
	if g := m.Gaps(); len(g) != 1 || g[0] != "kernel 6.1.0-57-amd64: shard 2/3 is missing" {
		t.Errorf("gaps %q", g)
	}
}

func TestJUnitNamesTheKernelAndWhatRan(t *testing.T) {
	m, err := Merge([]string{"a", "b"}, []*Report{oneRun(kernel61(), "", "rr", "skip:twos"), oneRun(kernel612(), "", "rr", "fail:twos")})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := m.WriteJUnit(&b); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if doc.Tests != 4 || doc.Failures != 1 || doc.Skipped != 1 || len(doc.Suites) != 2 {
		t.Fatalf("tests %d failures %d skipped %d suites %d; want 4 1 1 2", doc.Tests, doc.Failures, doc.Skipped, len(doc.Suites))
	}
	props := map[string]string{}
	for _, p := range doc.Suites[1].Properties {
		props[p.Name] = p.Value
	}
	for k, v := range map[string]string{"kernel.release": "6.12.117+deb12-amd64", "kernel.package_version": "6.12.117-1~deb12u1",
		"lvslab.commit": "abc", "machine.accel": "tcg", "machine.qemu": "QEMU emulator version 7.2.22"} {
		if props[k] != v {
			t.Errorf("suite property %s = %q, want %q", k, props[k], v)
		}
	}
	c := doc.Suites[1].Cases[1]
	if c.ClassName != "lvslab.6.12.117+deb12-amd64.twos" || c.Failure == nil || !strings.Contains(c.Failure.Text, "want rs1") {
		t.Errorf("test case %+v: want class lvslab.<kernel>.twos, a failure that says what differed", c)
	}
	if c.Properties[0] != (junitProperty{"scenario.digest", digest}) {
		t.Errorf("test case properties %v: want the scenario's digest first", c.Properties)
	}
}

func TestReadRefusesWhatIsNotAReport(t *testing.T) {
	good := func() *Report { return oneRun(kernel61(), "", "rr") }
	for name, spoil := range map[string]func(*Report){
		"another format":        func(r *Report) { r.Format = "lvslab-report/9" },
		"no runs":               func(r *Report) { r.Runs = nil },
		"a result of no run":    func(r *Report) { r.Results[0].Run = 3 },
		"no name":               func(r *Report) { r.Results[0].Name = "" },
		"a bad digest":          func(r *Report) { r.Results[0].Digest = "md5:00" },
		"an unknown result":     func(r *Report) { r.Results[0].Result = "maybe" },
		"an escape in a name":   func(r *Report) { r.Results[0].Name = "rr\x1b[2J" },
		"an escape in a detail": func(r *Report) { r.Results[0].Phases[0].Verdicts[0].Detail = "\x1b]0;owned\x07" },
		"no kernel":             func(r *Report) { r.Runs[0].Kernel.Release = "" },
		"a bad shard":           func(r *Report) { r.Runs[0].Shard = "4/3" },
		"negative seconds":      func(r *Report) { r.Results[0].Seconds = -1 },
		"a negative count": func(r *Report) {
			r.Results[0].Phases[0].Verdicts[0].Split = []assert.Share{{Server: "rs1", Observed: -1}}
		},
		"an escape in a server": func(r *Report) {
			r.Results[0].Phases[0].Verdicts[0].Split = []assert.Share{{Server: "rs1\x1b[2J"}}
		},
		"an order of two lengths": func(r *Report) {
			r.Results[0].Phases[0].Verdicts[0].Order = &assert.Order{Expected: []string{"rs1"}, Observed: nil, First: -1, Total: 1}
		},
		"a first difference past the end": func(r *Report) {
			r.Results[0].Phases[0].Verdicts[0].Order = &assert.Order{Expected: []string{"rs1"}, Observed: []string{"rs2"}, First: 5, Total: 1}
		},
		"a diagram edge to no host": func(r *Report) {
			r.Results[0].Diagram = &graph.Diagram{Services: []graph.Service{{Edges: []graph.Edge{{To: "ghost"}}}}}
		},
	} {
		r := good()
		spoil(r)
		var b bytes.Buffer
		r.WriteJSON(&b)
		if _, err := Read(&b); err == nil {
			t.Errorf("%s: read without an error", name)
		}
	}
	for name, text := range map[string]string{
		"not JSON":       "PASS rr",
		"unknown fields": fmt.Sprintf(`{"format": %q, "runs": [{"kernel": {"release": "6.1"}}], "results": [], "extra": 1}`, Format),
		"the old layout": `[{"name": "rr", "result": "pass"}]`,
	} {
		if _, err := Read(strings.NewReader(text)); err == nil {
			t.Errorf("%s: read without an error", name)
		}
	}
}

func TestParseShard(t *testing.T) {
	for s, ok := range map[string]bool{"1/1": true, "2/3": true, "3/3": true, "0/3": false, "4/3": false, "1/0": false, "a/b": false, "1/3/4": false, "": false} {
		if _, _, err := ParseShard(s); (err == nil) != ok {
			t.Errorf("ParseShard(%q): %v", s, err)
		}
	}
}
