package topology

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// YAMLProblem is a value in a YAML document that does not fit the Go type it is read into.
type YAMLProblem struct {
	Kind      YAMLProblemKind
	Line, Col int
	Path      string     // the field path ("phases[1].load.connections")
	Key       string     // UnknownField, DuplicateKey: the key
	Allowed   []string   // UnknownField: the fields the type has, sorted
	First     int        // DuplicateKey: the line of the first
	Want      string     // WrongKind: "a whole number", "true or false", "text", "a mapping", "a list"
	Found     *yaml.Node // WrongKind: what is there
}

// YAMLProblemKind says what does not fit.
type YAMLProblemKind int

const (
	UnknownField YAMLProblemKind = iota + 1 // a field the type does not have
	DuplicateKey                            // a key given twice in one mapping
	WrongKind                               // a value of another kind than the field's
)

// WalkYAML walks the document root against the Go type schema, by field path with the conventions
// topologies are read with (a struct's fields by their yaml tags, inline ones included; a map's entries, named by the
// user, at their keys; a list's items): it returns the node each field path came from, and every value that
// does not fit. A document without problems decodes into schema.
func WalkYAML(root *yaml.Node, schema reflect.Type) (at map[string]*yaml.Node, problems []YAMLProblem) {
	w := &yamlWalk{at: map[string]*yaml.Node{}, walked: map[walked]bool{}}
	w.walk("", root, schema)
	return w.at, w.problems
}

type yamlWalk struct {
	at       map[string]*yaml.Node
	problems []YAMLProblem
	// walked are the nodes already walked as a type: an alias (or a merge) reaches its anchor's node
	// again, and walking it once keeps a document of aliases to aliases linear in its size.
	walked map[walked]bool
}

type walked struct {
	n *yaml.Node
	t reflect.Type
}

func (w *yamlWalk) mismatch(n *yaml.Node, path, want string) {
	w.problems = append(w.problems, YAMLProblem{Kind: WrongKind, Line: n.Line, Col: n.Column, Path: path, Want: want, Found: n})
}

func (w *yamlWalk) walk(path string, n *yaml.Node, t reflect.Type) {
	n = resolve(n)
	if n == nil {
		return
	}
	if w.at[path] == nil {
		w.at[path] = n
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if isNull(n) || w.walked[walked{n, t}] {
		return // the zero value, or a node walked before through another alias
	}
	w.walked[walked{n, t}] = true
	kind := t.Kind()
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		kind = reflect.Invalid // a value that reads itself, from a scalar
	}
	switch kind {
	case reflect.Struct:
		fields := yamlFields(t)
		for _, e := range w.pairs(n, path) {
			ft, ok := fields[e.name]
			if !ok {
				w.problems = append(w.problems, YAMLProblem{Kind: UnknownField, Line: e.key.Line, Col: e.key.Column, Path: path, Key: e.name, Allowed: sortedKeys(fields)})
				continue
			}
			w.walk(childField(path, e.name), e.val, ft)
		}
	case reflect.Map:
		for _, e := range w.pairs(n, path) {
			child := childField(path, e.name)
			w.at[child] = e.key // a name the user chose: point at it
			w.walk(child, e.val, t.Elem())
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			w.mismatch(n, path, "a list")
			return
		}
		for i, item := range n.Content {
			w.walk(itemField(path, i), item, t.Elem())
		}
	default:
		if n.Kind != yaml.ScalarNode || n.Decode(reflect.New(t).Interface()) != nil {
			w.mismatch(n, path, kindWords(t))
		}
	}
}

// pairs are a mapping's entries as scanMapping reads them, merge keys expanded. A key given twice is a
// problem at its second place, a key that is not a name (a list, a mapping) one at its own.
func (w *yamlWalk) pairs(n *yaml.Node, path string) []entry {
	if n.Kind != yaml.MappingNode {
		w.mismatch(n, path, "a mapping")
		return nil
	}
	return scanMapping(n, mappingReport{
		notName: func(key *yaml.Node) { w.mismatch(key, path, "a name") },
		repeated: func(key, first *yaml.Node) {
			w.problems = append(w.problems, YAMLProblem{Kind: DuplicateKey, Line: key.Line, Col: key.Column, Path: path, Key: key.Value, First: first.Line})
		},
		merge: func(v *yaml.Node) []entry { return w.mergedPairs(v, path) },
	})
}

// mergedPairs are the entries a merge key's value brings in: a mapping's, or each of a list of mappings'
// in turn (the first that names a key gives it).
func (w *yamlWalk) mergedPairs(v *yaml.Node, path string) []entry {
	v = resolve(v)
	if v.Kind != yaml.SequenceNode {
		return w.pairs(v, path)
	}
	var out []entry
	for _, m := range v.Content {
		out = append(out, w.pairs(resolve(m), path)...)
	}
	return out
}

// yamlFields are the fields of a struct by their yaml names, those of inline structs included.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case opts == "inline":
			for k, v := range yamlFields(f.Type) {
				out[k] = v
			}
		case name == "-" || !f.IsExported() && !f.Anonymous:
		case name == "":
			out[strings.ToLower(f.Name)] = f.Type
		default:
			out[name] = f.Type
		}
	}
	return out
}

func sortedKeys(m map[string]reflect.Type) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// unmarshalerType is a type that reads itself from YAML: the walk takes it as a scalar.
var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

// YAMLWorded is a type that says what its YAML value looks like, for a value that does not fit.
type YAMLWorded interface{ YAMLWords() string }

// kindWords says what a value of type t is, for "expected …" messages.
func kindWords(t reflect.Type) string {
	if w, ok := reflect.Zero(t).Interface().(YAMLWorded); ok {
		return w.YAMLWords()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "text"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return fmt.Sprintf("a %s", t)
}
