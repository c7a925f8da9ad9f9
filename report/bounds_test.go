package report

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/assert"
)

// crafted is a report of one run holding the results given as JSON.
func crafted(results ...string) string {
	return fmt.Sprintf(`{"format": %q, "runs": [{"lvslab": {"version": "v1"}, "kernel": {"release": "6.1"}, "parallel": 1, "started": "2026-01-01T00:00:00Z", "seconds": 1}], "results": [%s]}`,
		Format, strings.Join(results, ","))
}

// result is a result's JSON with more fields: `"phases": [...]` and the like.
func result(more string) string {
	if more != "" {
		more = ", " + more
	}
	return fmt.Sprintf(`{"run": 0, "name": "rr", "source": "embedded:rr.yaml", "digest": %q, "result": "fail", "seconds": 1%s}`, digest, more)
}

// list is n copies of item, comma separated.
func list(item string, n int) string { return strings.TrimSuffix(strings.Repeat(item+",", n), ",") }

// verdictWith is a phase of one verdict with more fields.
func verdictWith(more string) string {
	return `"phases": [{"verdicts": [{"name": "model", "pass": false, "summary": "differs"` + more + `}]}]`
}

func orderJSON(n, offset, first, total int) string {
	return fmt.Sprintf(`, "order": {"offset": %d, "expected": [%s], "observed": [%s], "first": %d, "total": %d}`,
		offset, list(`"rs1"`, n), list(`"rs2"`, n), first, total)
}

func loadWith(more string) string {
	return `"phases": [{"verdicts": [], "load": {"url": "http://192.168.0.75/", "concurrency": 1, "requests": 2, "completed": 2, "connections": 2` + more + `}}]`
}

func diagramOf(hosts, ports int) string {
	return fmt.Sprintf(`"diagram": {"name": "lab", "networks": [], "hosts": [%s]}`,
		list(fmt.Sprintf(`{"name": "h", "role": "host", "ports": [%s]}`, list(`{"network": "n", "iface": "eth0", "addr": "10.0.0.1/24"}`, ports)), hosts))
}

// Every bound of a report read from outside refuses what passes it, and says which field, what bound,
// and that lvslab test writes none such.
func TestReadRefusesWhatPassesABound(t *testing.T) {
	for _, c := range []struct {
		what, json string
		want       []string // in the error, besides what every refusal says
	}{
		{"101 phases", crafted(result(`"phases": [` + list(`{"verdicts": []}`, 101) + `]`)),
			[]string{"results[0].phases: more than 100 phases"}},
		{"33 verdicts in a phase", crafted(result(`"phases": [{"verdicts": [` + list(`{"name": "x", "pass": true, "summary": "s"}`, 33) + `]}]`)),
			[]string{"results[0].phases[0].verdicts: more than 32 verdicts"}},
		{"a split over 1025 servers", crafted(result(verdictWith(`, "split": [` + list(`{"server": "rs1", "expected": 1, "observed": 1, "lo": 0, "hi": 2}`, 1025) + `]`))),
			[]string{"results[0].phases[0].verdicts[0].split: more than 1024 servers"}},
		{"a window of 41 connections", crafted(result(verdictWith(orderJSON(41, 0, 0, 100)))),
			[]string{"results[0].phases[0].verdicts[0].order.expected: more than 40 connections", "keeps a window of 40"}},
		{"a window at MaxInt64", crafted(result(verdictWith(orderJSON(1, math.MaxInt64, -1, 1)))),
			[]string{"results[0].phases[0].verdicts[0].order.offset", "9223372036854775807"}},
		{"a window past the end", crafted(result(verdictWith(orderJSON(10, 5, 5, 12)))),
			[]string{"results[0].phases[0].verdicts[0].order.offset: a window of 10 at 5: expected it within the sequence of 12"}},
		{"a sequence of MaxInt64 connections", crafted(result(verdictWith(orderJSON(1, 0, -1, math.MaxInt64)))),
			[]string{"results[0].phases[0].verdicts[0].order.total", "expected 0 to 1048576"}},
		{"a first difference out of the window", crafted(result(verdictWith(orderJSON(10, 0, 20, 100)))),
			[]string{"results[0].phases[0].verdicts[0].order.first: the first difference at 20"}},
		{"a sequence of 2^20+1 connections", crafted(result(loadWith(`, "sequence": [` + list(`"a"`, 1<<20+1) + `]`))),
			[]string{"results[0].phases[0].load.sequence: more than 1048576 connections"}},
		{"a client for none of the connections", crafted(result(loadWith(`, "sequence": ["rs1"], "clients": ["10.0.0.1", "10.0.0.2"]`))),
			[]string{"results[0].phases[0].load.clients: 2 for 1 connections"}},
		{"a connection with no server", crafted(result(loadWith(`, "sequence": ["rs1", ""]`))),
			[]string{"results[0].phases[0].load.sequence[1]: no server"}},
		{"a negative count", crafted(result(loadWith(`, "failures": {"reset": -1}`))),
			[]string{"results[0].phases[0].load.failures.reset: -1"}},
		{"1026 servers answering a load", crafted(result(loadWith(`, "per_server": {` + perServer(1026) + `}`))),
			[]string{"results[0].phases[0].load.per_server: more than 1025 servers"}},
		{"65 sysctls", crafted(result(`"sysctls": {` + sysctls(65) + `}`)),
			[]string{"results[0].sysctls: more than 64 sysctls"}},
		{"a diagram of 8193 items", crafted(result(diagramOf(1000, 8))),
			[]string{"results[0].diagram.hosts[910].ports: more than 8192 items in the diagram"}},
		{"nesting 9 deep", crafted(result(verdictWith(`, "order": {"expected": [[[["x"]]]]}`))),
			[]string{"results[0].phases[0].verdicts[0].order.expected[0]: nested deeper than 8 levels"}},
		{"a list no field has", crafted(result(`"bogus": [` + list("1", 65) + `]`)),
			[]string{"results[0].bogus: more than 64 elements"}},
		{"a field written in capitals, passing its bound", crafted(result(`"PHASES": [` + list(`{"verdicts": []}`, 101) + `]`)),
			[]string{"results[0].PHASES: more than 100 phases"}},
		{"an error of 256 KiB and a byte", crafted(result(fmt.Sprintf(`"error": %q`, strings.Repeat("e", maxText+1)))),
			[]string{"results[0].error of 262145 bytes: expected at most 262144"}},
		{"a summary of 16 KiB and a byte", crafted(result(fmt.Sprintf(`"phases": [{"verdicts": [{"name": "m", "summary": %q}]}]`, strings.Repeat("s", maxSummary+1)))),
			[]string{"results[0].phases[0].verdicts[0].summary of 16385 bytes: expected at most 16384"}},
		{"an about of 4 KiB and a byte", crafted(result(fmt.Sprintf(`"about": %q`, strings.Repeat("a", maxLine+1)))),
			[]string{"results[0].about of 4097 bytes: expected at most 4096"}},
		{"a kernel release of 65 bytes", strings.Replace(crafted(), `"release": "6.1"`, `"release": "`+strings.Repeat("6", 65)+`"`, 1),
			[]string{"runs[0]: kernel.release of 65 bytes: expected at most 64"}},
		{"a field twice", strings.Replace(crafted(), `"runs"`, `"format": "lvslab-report/1", "runs"`, 1),
			[]string{`field "format" twice`}},
		{"more after the report", crafted() + "{}", []string{"more after the report's end"}},
	} {
		_, err := Read(strings.NewReader(c.json))
		if err == nil {
			t.Errorf("%s: read without an error", c.what)
			continue
		}
		for _, want := range append(c.want, fromLVSLAB) {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %v\nwant it to say %q", c.what, err, want)
			}
		}
	}
}

func perServer(n int) string {
	var parts []string
	for i := range n {
		parts = append(parts, fmt.Sprintf(`"rs%d": {"connections": 1, "requests": 1}`, i))
	}
	return strings.Join(parts, ",")
}

func sysctls(n int) string {
	var parts []string
	for i := range n {
		parts = append(parts, fmt.Sprintf(`"s%d": "1"`, i))
	}
	return strings.Join(parts, ",")
}

// A result over 64 MiB is refused once the reader passes that much of it, not after.
func TestReadRefusesAResultOverItsBoundWhileReadingIt(t *testing.T) {
	head := strings.TrimSuffix(crafted(), "]}") + `{"run": 0, "name": "`
	in := &countingReader{r: io.MultiReader(strings.NewReader(head), endless('a'))}
	_, err := Read(in)
	if err == nil || !strings.Contains(err.Error(), "results[0]: over 67108864 bytes") {
		t.Fatalf("got %v, want results[0] over 64 MiB", err)
	}
	if in.n > maxResultBytes+1<<20 {
		t.Errorf("read %d bytes of a result bounded at %d", in.n, maxResultBytes)
	}
}

type endless byte

func (e endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(e)
	}
	return len(p), nil
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// A budget spans the reports read with it: runs, results and memory of all together.
func TestABudgetSpansTheReportsReadWithIt(t *testing.T) {
	one := crafted(result(""), strings.Replace(result(""), `"rr"`, `"wrr"`, 1))
	b := &Budget{kept: MaxKept, runs: maxRuns, results: 3}
	if _, err := b.Read(strings.NewReader(one)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Read(strings.NewReader(one)); err == nil || !strings.Contains(err.Error(), "results[1]: more than 100000 results in the reports read together") {
		t.Errorf("a fourth result of a budget of three: %v", err)
	}
	b = &Budget{kept: MaxKept, runs: 1, results: maxResults}
	b.Read(strings.NewReader(one))
	if _, err := b.Read(strings.NewReader(one)); err == nil || !strings.Contains(err.Error(), "runs[0]: more than 10000 runs") {
		t.Errorf("a second run of a budget of one: %v", err)
	}
	b = NewBudget()
	b.kept = 1 << 20
	seq := crafted(result(loadWith(`, "sequence": [` + list(`"rs1"`, 50_000) + `]`)))
	if _, err := b.Read(strings.NewReader(seq)); err == nil || !strings.Contains(err.Error(), "results[0]: the reports read together would take more than 512 MiB") {
		t.Errorf("50000 connections on a budget of 1 MiB: %v", err)
	}
}

// What scanResult says a result takes is at least what it takes decoded, for each shape a crafted
// report could take, so MaxKept bounds what a merge holds.
func TestTheEstimateBoundsWhatAReportTakes(t *testing.T) {
	for _, c := range []struct{ what, result string }{
		{"connections named by one letter, clients unsaid", result(loadWith(`, "sequence": [` + list(`"a"`, 1<<20) + `], "clients": [` + list(`""`, 1<<20) + `]`))},
		{"windows of 40", result(`"phases": [` + list(`{"verdicts": [`+list(`{"name": "m", "summary": "s"`+orderJSON(40, 0, 0, 99)+`}`, 32)+`]}`, 100) + `]`)},
		{"the least verdicts", result(`"phases": [` + list(`{"verdicts": [`+list(`{}`, 32)+`]}`, 100) + `]`)},
		{"splits", result(`"phases": [` + list(`{"verdicts": [{"name": "s", "summary": "s", "split": [`+list(`{"server": "a"}`, 1000)+`]}]}`, 100) + `]`)},
		{"a diagram", result(diagramOf(1000, 7))},
		{"sysctls and servers", result(`"sysctls": {` + sysctls(64) + `}, ` + loadWith(`, "per_server": {`+perServer(1025)+`}`))},
	} {
		cost, err := scanResult([]byte(c.result))
		if err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		n := max(1, int(32<<20/cost)) // as many results as fill 32 MiB by the estimate
		var res []Result
		before := heapInUse()
		for range n {
			var r Result
			if err := strict([]byte(c.result), &r); err != nil {
				t.Fatalf("%s: %v", c.what, err)
			}
			res = append(res, r)
		}
		took := heapInUse() - before
		runtime.KeepAlive(res)
		if took > cost*int64(n) {
			t.Errorf("%s: %d results took %d bytes, estimated %d", c.what, n, took, cost*int64(n))
		}
		t.Logf("%s: %d results of %d bytes of JSON took %.1f MiB, estimated %.1f MiB", c.what, n, len(c.result), float64(took)/(1<<20), float64(cost*int64(n))/(1<<20))
	}
}

func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// The window a report keeps of a sequence is the one assert makes: no longer than maxOrder, and maxOrder
// long where the sequence is.
func TestOrderBoundIsAssertsWindow(t *testing.T) {
	exp, obs := make([]string, 10_000), make([]string, 10_000)
	for i := range exp {
		exp[i], obs[i] = "rs1", "rs1"
	}
	obs[5_000] = "rs2"
	o := assert.Sequence(exp, obs).Order
	if o == nil || len(o.Expected) != maxOrder {
		t.Fatalf("assert keeps a window of %v, report allows %d", o, maxOrder)
	}
	if err := validOrder(".order", o); err != nil {
		t.Errorf("assert's window refused: %v", err)
	}
}
