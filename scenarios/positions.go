package scenarios

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/lvslab/lvslab/internal/fieldpath"
	"github.com/lvslab/lvslab/topology"
)

// where places a scenario's problems in its file: every field path ("phases[1].load.url",
// "expect.split.rs1") maps to the YAML node it came from, its value or, for a server a split names, its key.
type where struct {
	source string
	data   []byte // the file, to place what yaml.v3 says without a column
	at     map[string]*yaml.Node
}

// newWhere walks a scenario's document against scenarioYAML (topology.WalkYAML, by field path with the
// conventions topologies are read with): it places every field, and reports every value that does not fit, with its position.
func newWhere(source string, data []byte, root *yaml.Node) (*where, error) {
	at, problems := topology.WalkYAML(root, reflect.TypeOf(scenarioYAML{}))
	w := &where{source: source, data: data, at: at}
	var errs []string
	for i, p := range problems {
		if i == maxProblems {
			errs = append(errs, fmt.Sprintf("%s: and %d more problems", source, len(problems)-i))
			break
		}
		errs = append(errs, w.problem(p).Error())
	}
	if len(errs) > 0 {
		return w, errors.New(strings.Join(errs, "\n"))
	}
	return w, nil
}

// maxProblems bounds the problems said of one file: a value that an alias repeats is wrong once, however
// many times it is reached.
const maxProblems = 20

// problem says what is wrong with a value, at its position.
func (w *where) problem(p topology.YAMLProblem) error {
	at := fmt.Sprintf("%s:%d:%d", w.source, p.Line, p.Col)
	switch {
	case p.Kind == topology.DuplicateKey:
		return fmt.Errorf("%s: mapping key %q already defined at line %d", at, p.Key, p.First)
	case p.Kind == topology.UnknownField:
		return fmt.Errorf("%s: unknown field %q; allowed: %s", at, p.Key, strings.Join(p.Allowed, ", "))
	case p.Found.Kind == yaml.ScalarNode:
		return fmt.Errorf("%s: expected %s, found %q", at, p.Want, topology.Clip(p.Found.Value, 40))
	case p.Found.Kind == yaml.SequenceNode:
		return fmt.Errorf("%s: expected %s, found a list", at, p.Want)
	}
	return fmt.Errorf("%s: expected %s, found a mapping", at, p.Want)
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

// decodeError places a YAML syntax error (topology.YAMLSyntax), or says what else yaml.v3 found.
func (w *where) decodeError(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return fmt.Errorf("%s: %s", w.source, strings.Join(te.Errors, "; "))
	}
	line, col, msg := topology.YAMLSyntax(err, w.data)
	if line == 0 {
		return fmt.Errorf("%s: YAML syntax: %s", w.source, msg)
	}
	return fmt.Errorf("%s:%d:%d: YAML syntax: %s", w.source, line, col, msg)
}
