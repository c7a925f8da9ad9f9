package scenarios

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/lvslab/lvslab/internal/fieldpath"
	"github.com/lvslab/lvslab/topology"
)

// where places a scenario's problems in its file: every field path ("phases[1].load.url",
// "expect.split.rs1") maps to the YAML node it came from, its value or, for a server a split names, its key.
type where struct {
	source string
	at     map[string]*yaml.Node
}

func newWhere(source string, root *yaml.Node) *where {
	w := &where{source: source, at: map[string]*yaml.Node{}}
	w.index("", root)
	return w
}

func (w *where) index(path string, n *yaml.Node) {
	if n == nil {
		return
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if w.at[path] == nil {
		w.at[path] = n
	}
	switch n.Kind {
	case yaml.MappingNode:
		named := path == "expect.split" || strings.HasSuffix(path, ".expect.split")
		for i := 0; i+1 < len(n.Content); i += 2 {
			child := fieldpath.Child(path, n.Content[i].Value)
			if named { // a real server the file names: point at its name
				w.at[child] = n.Content[i]
			}
			w.index(child, n.Content[i+1])
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			w.index(fieldpath.Item(path, i), c)
		}
	}
}

// errf is a problem with field, at its position or that of the nearest field enclosing it.
func (w *where) errf(field, format string, args ...any) error {
	pos := ""
	for f := field; ; f = fieldpath.Parent(f) {
		if n := w.at[f]; n != nil && n.Line > 0 {
			pos = fmt.Sprintf(":%d:%d", n.Line, n.Column)
			break
		}
		if f == "" {
			break
		}
	}
	msg := fmt.Sprintf(format, args...)
	if field != "" {
		msg = topology.Clip(field, 120) + ": " + msg
	}
	return fmt.Errorf("%s%s: %s", w.source, pos, msg)
}

var (
	yamlLine       = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^line (\d+): (.*)$`) })
	unknownField   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^field (\S+) not found in type scenarios\.(\w+)$`) })
	cannotDecode   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile("^cannot unmarshal !!(\\w+) `(.*)` into (.*)$") })
	yamlLinePrefix = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^yaml: line (\d+): (.*)$`) })
)

// decodeError turns yaml.v3's errors into positioned ones in lvslab's words: the field that is not known
// (and what is), the value that is not of the field's type.
func (w *where) decodeError(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		var out []string
		for _, e := range te.Errors {
			out = append(out, w.typeError(e).Error())
		}
		return errors.New(strings.Join(out, "\n"))
	}
	msg := err.Error()
	if m := yamlLinePrefix().FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		// yaml.v3 counts the lines of its parser's (not its scanner's) errors from 0.
		if strings.HasPrefix(m[2], "did not find expected") || strings.HasPrefix(m[2], "found undefined tag") {
			line++
		}
		return fmt.Errorf("%s:%d:1: YAML syntax: %s", w.source, line, m[2])
	}
	return fmt.Errorf("%s: YAML syntax: %s", w.source, strings.TrimPrefix(msg, "yaml: "))
}

func (w *where) typeError(e string) error {
	m := yamlLine().FindStringSubmatch(e)
	if m == nil {
		return fmt.Errorf("%s: %s", w.source, e)
	}
	line, _ := strconv.Atoi(m[1])
	msg := m[2]
	if u := unknownField().FindStringSubmatch(msg); u != nil {
		return fmt.Errorf("%s:%d:%d: unknown field %q; allowed: %s", w.source, line, w.keyColumn(line, u[1]), u[1], strings.Join(yamlFields(u[2]), ", "))
	}
	if c := cannotDecode().FindStringSubmatch(msg); c != nil {
		return fmt.Errorf("%s:%d:%d: expected %s, found %q", w.source, line, w.valueColumn(line, c[2]), goTypeWords(c[3]), topology.Clip(c[2], 40))
	}
	return fmt.Errorf("%s:%d:1: %s", w.source, line, msg)
}

// keyColumn is the column of the mapping key named key on line, or 1.
func (w *where) keyColumn(line int, key string) int {
	col := 0
	w.walk(func(k, _ *yaml.Node) {
		if k.Line == line && k.Value == key && col == 0 {
			col = k.Column
		}
	})
	return max(col, 1)
}

// valueColumn is the column of the scalar value on line, or 1.
func (w *where) valueColumn(line int, value string) int {
	for _, n := range w.at {
		if n.Kind == yaml.ScalarNode && n.Line == line && n.Value == value {
			return n.Column
		}
	}
	return 1
}

func (w *where) walk(f func(key, value *yaml.Node)) {
	var visit func(n *yaml.Node)
	seen := map[*yaml.Node]bool{}
	visit = func(n *yaml.Node) {
		if n == nil || seen[n] {
			return
		}
		seen[n] = true
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				f(n.Content[i], n.Content[i+1])
			}
		}
		for _, c := range n.Content {
			visit(c)
		}
	}
	visit(w.at[""])
}

// yamlFields lists the keys a scenario type takes, from its yaml tags.
func yamlFields(typeName string) []string {
	types := map[string]reflect.Type{
		"scenarioYAML": reflect.TypeOf(scenarioYAML{}), "phaseYAML": reflect.TypeOf(phaseYAML{}),
		"Load": reflect.TypeOf(Load{}), "Expect": reflect.TypeOf(Expect{}), "Timeouts": reflect.TypeOf(Timeouts{}),
	}
	var out []string
	var add func(t reflect.Type)
	add = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("yaml")
			name, opts, _ := strings.Cut(tag, ",")
			if opts == "inline" {
				add(f.Type)
				continue
			}
			if name != "" && name != "-" {
				out = append(out, name)
			}
		}
	}
	if t, ok := types[typeName]; ok {
		add(t)
	}
	sort.Strings(out)
	return out
}

func goTypeWords(t string) string {
	switch {
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "a whole number"
	case t == "bool", t == "*bool":
		return "true or false"
	case t == "string":
		return "text"
	case strings.HasPrefix(t, "map["):
		return "a mapping"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	}
	return "a " + strings.TrimPrefix(t, "scenarios.")
}
