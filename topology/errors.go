package topology

import (
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a topology. Line and Col are 1-based positions in File; both are 0 for a problem
// with the whole file and for a model built in Go.
type Error struct {
	File      string
	Line, Col int
	Field     string // a readable path such as hosts.rs1.interfaces[0].address; empty for the file itself
	Msg       string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(Clip(e.Field, 120) + ": ") // a field path holds the file's own keys, of any length
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in a topology, sorted by position, one a line when printed.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find the individual *Error values.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// problems collects the errors of one Parse or Validate. When the topology came from a file, at places a
// field path at the YAML node it came from.
type problems struct {
	file    string
	at      positions
	origins ipvsOrigins
	unread  map[string]bool // fields whose YAML value could not be read, reported already
	list    Errors
}

// add reports a problem with a field, at the field's position in the file when there is one. Nothing more is
// said of a field that could not be read, nor of what it holds: validation would only find it missing.
func (p *problems) add(field, format string, args ...any) {
	for f := field; ; f = parentField(f) {
		if p.unread[f] {
			return
		}
		if f == "" {
			break
		}
	}
	line, col := p.at.locate(field)
	p.addAt(line, col, field, format, args...)
}

// addAt reports a problem at an explicit position.
func (p *problems) addAt(line, col int, field, format string, args ...any) {
	p.list = append(p.list, &Error{File: p.file, Line: line, Col: col, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// where describes a field's position for a message that points at a second place ("at 9:9"), or "".
func (p *problems) where(field string) string {
	line, col := p.at.locate(field)
	if line == 0 {
		return ""
	}
	return fmt.Sprintf(" (at %d:%d)", line, col)
}

// err returns the problems as Errors sorted by position, or nil when there are none.
func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	sort.SliceStable(p.list, func(i, j int) bool {
		a, b := p.list[i], p.list[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return p.list
}
