package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"sync"
)

var (
	digestPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^sha256:[0-9a-f]{64}$`) })
	shardPattern  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[1-9][0-9]{0,3}/[1-9][0-9]{0,3}$`) })
)

// fromLVSLAB is what to do about a report that is not one lvslab test wrote.
const fromLVSLAB = "expected a report that lvslab test --json wrote, unchanged"

// A Budget is what reports read one after another may still take together: their runs, their results
// and the memory those take. Read has one of its own for each report; a merge reads all its files with
// one, so that together they stay within MaxKept.
type Budget struct {
	kept          int64
	runs, results int
}

// NewBudget is the budget of one report, or of the reports of one merge.
func NewBudget() *Budget { return &Budget{kept: MaxKept, runs: maxRuns, results: maxResults} }

// Read reads a report as WriteJSON wrote it, at most MaxBytes, with a budget of its own.
func Read(r io.Reader) (*Report, error) { return NewBudget().Read(r) }

// Read reads a report as WriteJSON wrote it and checks it as data from outside: its format, every run
// a result points at, every result's fields within their bounds (limits.go), no character that would
// move a terminal's cursor in anything it prints. It reads a result at a time, each checked before it
// is decoded, so a report past a bound is refused before it is held; what it keeps is taken from b.
func (b *Budget) Read(r io.Reader) (*Report, error) {
	in := &window{r: r, end: MaxBytes}
	d := &reportDecoder{dec: json.NewDecoder(in), in: in, budget: b}
	rep, err := d.decode()
	switch {
	case in.hit && in.end == MaxBytes:
		return nil, fmt.Errorf("over %d MiB: %s (a suite's report is a few MiB)", MaxBytes>>20, fromLVSLAB)
	case in.hit:
		return nil, fmt.Errorf("%s: over %d bytes: %s", d.at, d.limit, fromLVSLAB)
	case err != nil:
		return nil, err
	}
	return rep, nil
}

// window is the report's reader, ending (io.EOF) at byte end: the file's bound, or the bound of the
// value being read.
type window struct {
	r   io.Reader
	n   int64 // bytes read
	end int64
	hit bool // a read was cut at end
}

func (w *window) Read(p []byte) (int, error) {
	if w.n >= w.end {
		w.hit = true
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), w.end-w.n)]
	n, err := w.r.Read(p)
	w.n += int64(n)
	return n, err
}

type reportDecoder struct {
	dec    *json.Decoder
	in     *window
	budget *Budget
	at     string // the field being read, for messages
	limit  int64  // and its bound
}

// bound lets the next value read (a token, a run, a result) take at most n bytes from where the decoder
// stands, within the file's bound, and the space before the value after it (which the decoder reads
// to see whether a list goes on) a little more.
func (d *reportDecoder) bound(at string, n int64) {
	d.at, d.limit = at, n
	d.in.end = min(MaxBytes, d.dec.InputOffset()+n+maxTokenBytes)
}

func (d *reportDecoder) token(at string) (json.Token, error) {
	d.bound(at, maxTokenBytes)
	t, err := d.dec.Token()
	if err != nil {
		return nil, d.syntax(err)
	}
	return t, nil
}

func (d *reportDecoder) syntax(err error) error {
	return fmt.Errorf("not a report of lvslab test --json (%s): %s: %w", Format, d.at, err)
}

func (d *reportDecoder) expect(at string, delim json.Delim) error {
	t, err := d.token(at)
	if err != nil {
		return err
	}
	if t != delim {
		return fmt.Errorf("not a report of lvslab test --json (%s): %s: %v where %v was expected", Format, at, t, delim)
	}
	return nil
}

func (d *reportDecoder) decode() (*Report, error) {
	rep := &Report{Runs: []Run{}, Results: []Result{}}
	if err := d.expect("the report", '{'); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for d.dec.More() {
		t, err := d.token("a field of the report")
		if err != nil {
			return nil, err
		}
		key, _ := t.(string)
		if seen[key] {
			return nil, fmt.Errorf("field %q twice: %s", clip(key), fromLVSLAB)
		}
		seen[key] = true
		switch key {
		case "format":
			d.bound("format", maxTokenBytes)
			if err := d.dec.Decode(&rep.Format); err != nil {
				return nil, d.syntax(err)
			}
			if rep.Format != Format {
				return nil, fmt.Errorf("format %q: this lvslab reads %q, as lvslab test --json writes", clip(rep.Format), Format)
			}
		case "runs":
			err = d.list("runs", func(i int) error { return d.run(rep, i) })
		case "results":
			err = d.list("results", func(i int) error { return d.result(rep, i) })
		default:
			return nil, fmt.Errorf("unknown field %q: %s", clip(key), fromLVSLAB)
		}
		if err != nil {
			return nil, err
		}
	}
	if err := d.expect("the report's end", '}'); err != nil {
		return nil, err
	}
	d.bound("after the report", maxTokenBytes)
	if _, err := d.dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("more after the report's end: %s", fromLVSLAB)
	}
	if err := rep.validate(); err != nil {
		return nil, err
	}
	return rep, nil
}

// list reads a JSON list an element at a time.
func (d *reportDecoder) list(name string, each func(i int) error) error {
	if err := d.expect(name, '['); err != nil {
		return err
	}
	for i := 0; d.dec.More(); i++ {
		if err := each(i); err != nil {
			return err
		}
	}
	return d.expect(name, ']')
}

func (d *reportDecoder) run(rep *Report, i int) error {
	at := fmt.Sprintf("runs[%d]", i)
	if d.budget.runs == 0 {
		return fmt.Errorf("%s: more than %d runs in the reports read together: %s", at, maxRuns, fromLVSLAB)
	}
	d.bound(at, maxRunBytes)
	var raw json.RawMessage
	if err := d.dec.Decode(&raw); err != nil {
		return d.syntax(err)
	}
	cost := int64(2*sizeOf[Run]()+sizeOf[Machine]()) + int64(len(raw))
	if cost > d.budget.kept {
		return d.overBudget(at)
	}
	var run Run
	if err := strict(raw, &run); err != nil {
		return d.syntax(err)
	}
	if err := run.validate(); err != nil {
		return fmt.Errorf("%s: %w; %s", at, err, fromLVSLAB)
	}
	d.budget.kept -= cost
	d.budget.runs--
	rep.Runs = append(rep.Runs, run)
	return nil
}

func (d *reportDecoder) result(rep *Report, i int) error {
	at := fmt.Sprintf("results[%d]", i)
	if d.budget.results == 0 {
		return fmt.Errorf("%s: more than %d results in the reports read together (thousands of scenarios on tens of kernels): %s",
			at, maxResults, fromLVSLAB)
	}
	d.bound(at, maxResultBytes)
	var raw json.RawMessage
	if err := d.dec.Decode(&raw); err != nil {
		return d.syntax(err)
	}
	cost, err := scanResult(raw)
	if err != nil {
		return fmt.Errorf("%s%w; %s", at, err, fromLVSLAB)
	}
	if cost > d.budget.kept {
		return d.overBudget(at)
	}
	var res Result
	if err := strict(raw, &res); err != nil {
		return d.syntax(err)
	}
	if err := res.validate(); err != nil {
		return fmt.Errorf("%s%w (scenario %s); %s", at, err, clip(res.Name), fromLVSLAB)
	}
	d.budget.kept -= cost
	d.budget.results--
	rep.Results = append(rep.Results, res)
	return nil
}

func (d *reportDecoder) overBudget(at string) error {
	return fmt.Errorf("%s: the reports read together would take more than %d MiB of memory, as much as lvslab reads at once (a suite's report takes a few MiB): merge fewer reports at once, or check that each is one lvslab test --json wrote",
		at, MaxKept>>20)
}

// strict decodes raw into v, refusing fields v does not have.
func strict(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// ReadFile reads the report file at path with Read.
func ReadFile(path string) (*Report, error) { return ReadFileWith(path, Read) }

// ReadFileWith reads the report file at path with read: Read, or a Budget's Read where several files must
// keep within one budget.
func ReadFileWith(path string, read func(io.Reader) (*Report, error)) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}
