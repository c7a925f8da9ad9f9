package report

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"strings"

	"github.com/lvslab/lvslab/assert"
	"github.com/lvslab/lvslab/graph"
	"github.com/lvslab/lvslab/loadgen"
)

// A result's JSON is scanned before it is decoded: each list within its bound, and what the result will
// take in memory once decoded, estimated from above, so that a report is refused before it is held.
// Decoding multiplies small JSON: `{},` becomes a verdict of 88 bytes, `"",` a string header of 16.

// listBound is how long a list (or a map) of a result may be, and what one element takes decoded.
type listBound struct {
	max       int
	what, why string
	elem      uintptr // an element's slot in its slice; a map entry's, keys and values apart
}

func sizeOf[T any]() uintptr { return reflect.TypeFor[T]().Size() }

// lists are the lists and maps of a result, by their field path ("phases[].verdicts": the verdicts of
// any phase).
var lists = map[string]listBound{
	"phases":                             {maxPhases, "phases", "a scenario has at most 100", sizeOf[Phase]()},
	"phases[].verdicts":                  {maxVerdicts, "verdicts", "a phase of lvslab test has at most 9 checks", sizeOf[Verdict]()},
	"phases[].verdicts[].split":          {maxSplit, "servers", "a check splits over the real servers, and a lab has at most 1024 hosts", sizeOf[assert.Share]()},
	"phases[].verdicts[].order.expected": {maxOrder, "connections", "lvslab test keeps a window of 40 around the first difference", sizeOf[string]()},
	"phases[].verdicts[].order.observed": {maxOrder, "connections", "lvslab test keeps a window of 40 around the first difference", sizeOf[string]()},
	"phases[].load.sequence":             {maxSequence, "connections", "a load records at most 2^20", sizeOf[string]()},
	"phases[].load.clients":              {maxSequence, "connections", "a load records at most 2^20", sizeOf[string]()},
	"phases[].steps":                     {maxSteps, "steps", "a phase has at most 100", sizeOf[string]()},
	"phases[].load.failed":               {maxSequence, "connections", "a load records at most 2^20", sizeOf[loadgen.FailedConn]()},
	"phases[].load.locals":               {maxSequence, "connections", "a load records at most 2^20", sizeOf[netip.AddrPort]()},
	"phases[].load.per_server":           {maxServers, "servers", "a lab has at most 1024 hosts", mapEntry},
	"sysctls":                            {maxSysctls, "sysctls", "lvslab records the few that change how IPVS schedules", mapEntry},
	"diagram.networks":                   {maxDiagramItems, "networks", "", sizeOf[graph.Network]()},
	"diagram.hosts":                      {maxDiagramItems, "hosts", "", sizeOf[graph.Host]()},
	"diagram.hosts[].ports":              {maxDiagramItems, "ports", "", sizeOf[graph.Port]()},
	"diagram.hosts[].notes":              {maxDiagramItems, "notes", "", sizeOf[string]()},
	"diagram.services":                   {maxDiagramItems, "services", "", sizeOf[graph.Service]()},
	"diagram.services[].edges":           {maxDiagramItems, "real servers", "", sizeOf[graph.Edge]()},
}

// mapFields are the lists above that are JSON objects: any key, each an entry.
var mapFields = map[string]bool{"sysctls": true, "phases[].load.per_server": true}

// pointed are the objects decoded into memory of their own (a pointer's), by field path.
var pointed = map[string]uintptr{
	"diagram":                   sizeOf[graph.Diagram](),
	"phases[].verdicts[].order": sizeOf[assert.Order](),
	"phases[].load":             sizeOf[loadgen.Result](),
	"phases[].load.per_server.": sizeOf[loadgen.ServerCount](),
}

const (
	mapEntry = 64 // a Go map's entry: key and value headers, hash and bucket overhead
	// unknownList bounds a list no field of a result has: the decoder refuses the field, but only after
	// it has read it.
	unknownList = 64
)

var (
	// largest is what any one element or object may take, for those at a path no field has.
	largest = max(sizeOf[Result](), sizeOf[loadgen.Result](), sizeOf[graph.Diagram](), sizeOf[Verdict](), mapEntry)
	// fields are the field names at each path, to read a key as the decoder does (case folded).
	fields = knownFields()
)

func knownFields() map[string][]string {
	out := map[string][]string{}
	var paths []string
	for p := range lists {
		paths = append(paths, p)
	}
	for p := range pointed {
		paths = append(paths, strings.TrimSuffix(p, "."))
	}
	for _, path := range paths {
		for path != "" {
			parent, name := "", path
			if i := strings.LastIndex(path, "."); i >= 0 {
				parent, name = path[:i], path[i+1:]
			}
			if name = strings.TrimSuffix(name, "[]"); !slices.Contains(out[parent], name) {
				out[parent] = append(out[parent], name)
			}
			path = parent
		}
	}
	return out
}

// frame is a list or object being scanned.
type frame struct {
	path   string // field path, "[]" for any element
	list   bool
	isMap  bool
	n      int    // elements, or a map's entries
	key    string // an object's current key, as written
	bound  listBound
	bounds bool // a list or map: n is bounded
}

// scanResult checks one result's JSON (valid JSON, as the decoder read it) against the bounds of its
// lists and nesting, and returns the memory it will take once decoded, from above. A bound passed is
// an error naming the field (results[…] prefixed by the caller).
func scanResult(data []byte) (int64, error) {
	var stack []frame
	cost := int64(2 * sizeOf[Result]()) // its slot in the report's results, grown by append
	items := 0                          // of the diagram
	expectKey := false
	for i := 0; i < len(data); {
		c := data[i]
		switch c {
		case ' ', '\t', '\n', '\r', ':':
			i++
			continue
		case ',':
			expectKey = len(stack) > 0 && !stack[len(stack)-1].list
			i++
			continue
		case '}', ']':
			if len(stack) == 0 {
				return 0, fmt.Errorf("unbalanced %q at byte %d", c, i)
			}
			stack = stack[:len(stack)-1]
			i++
			continue
		}
		if c == '"' {
			end := stringEnd(data, i)
			if end < 0 {
				return 0, fmt.Errorf("unterminated string at byte %d", i)
			}
			if expectKey {
				top := &stack[len(stack)-1]
				top.key = jsonKey(data[i:end])
				if top.bounds { // a map's key is a string of its own; a struct's names a field
					cost += int64(end - i)
				}
				expectKey = false
				i = end
				continue
			}
			cost += int64(end - i)
		}
		// A value starts: its path, and what it takes.
		path := ""
		if n := len(stack); n > 0 {
			top := &stack[n-1]
			if top.bounds {
				top.n++
				if top.n > top.bound.max {
					return 0, boundError(stack, top.bound)
				}
				cost += grown(int64(top.bound.elem), top.n)
			}
			switch {
			case top.list:
				path = top.path + "[]"
				if strings.HasPrefix(path, "diagram.") {
					if items++; items > maxDiagramItems {
						return 0, fmt.Errorf("%s: more than %d items in the diagram (hosts, networks, services and theirs): a lab of 1024 hosts with two addresses each fits",
							fieldPath(stack), maxDiagramItems)
					}
				}
			case top.isMap:
				path = top.path + "."
			default:
				path = child(top.path, top.key)
			}
		}
		switch c {
		case '{', '[':
			if len(stack) == maxDepth {
				return 0, fmt.Errorf("%s: nested deeper than %d levels, which no field of a result is", fieldPath(stack), maxDepth)
			}
			f := frame{path: path, list: c == '[', isMap: c == '{' && mapFields[path]}
			if f.list || f.isMap {
				b, known := lists[path]
				if !known {
					b = listBound{max: unknownList, what: "elements", why: "no field of a result has such a list", elem: largest}
				}
				f.bound, f.bounds = b, true
			} else if strings.Contains(path, "?") {
				f.bound, f.bounds = listBound{max: unknownList, what: "fields", why: "no field of a result has such an object", elem: mapEntry}, true
				cost += int64(largest)
			} else {
				cost += int64(pointed[path])
			}
			stack = append(stack, f)
			expectKey = c == '{'
			i++
		case '"':
			i = stringEnd(data, i)
		default: // a number, true, false or null
			for i < len(data) && !strings.ContainsRune(" \t\r\n,]}", rune(data[i])) {
				i++
			}
		}
	}
	if len(stack) != 0 {
		return 0, fmt.Errorf("unbalanced JSON")
	}
	return cost, nil
}

// grown is what the n-th element of a list takes in its slice, each taking elem bytes: the decoder
// appends, doubling a slice up to a thousand elements or so, and past that growing it by a quarter
// (3/10 with the allocator's rounding).
func grown(elem int64, n int) int64 {
	if n <= 1024 {
		return 2 * elem
	}
	return elem + elem*3/10
}

// child is the path of field key of the object at path, with the key read as the decoder reads it:
// case folded onto a field's name; "?" for a key no field has.
func child(path, key string) string {
	name := "?"
	for _, f := range fields[path] {
		if strings.EqualFold(f, key) {
			name = f
			break
		}
	}
	if path == "" {
		return name
	}
	return path + "." + name
}

// stringEnd is the index just past the JSON string starting at data[i], -1 if it does not end.
func stringEnd(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// jsonKey is a quoted key as a string, its escapes undone.
func jsonKey(quoted []byte) string {
	var s string
	if json.Unmarshal(quoted, &s) != nil {
		return string(quoted)
	}
	return s
}

func boundError(stack []frame, b listBound) error {
	msg := fmt.Sprintf("%s: more than %d %s", fieldPath(stack), b.max, b.what)
	if b.why != "" {
		msg += ": " + b.why
	}
	return fmt.Errorf("%s", msg)
}

// fieldPath is where the innermost frame of stack sits in the result: .phases[2].verdicts[0].split
// (the caller puts results[…] before it).
func fieldPath(stack []frame) string {
	var b strings.Builder
	for k := 1; k < len(stack); k++ {
		if p := stack[k-1]; p.list {
			fmt.Fprintf(&b, "[%d]", p.n-1)
		} else {
			b.WriteString("." + p.key)
		}
	}
	return b.String()
}
