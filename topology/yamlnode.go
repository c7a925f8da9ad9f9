package topology

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/lvslab/lvslab/internal/fieldpath"
)

// positions maps a field path to the YAML node it was read from: a user-named entry (networks.bridged,
// hosts.rs1, a sysctl) to its key, every other field to its value.
type positions map[string]*yaml.Node

// locate gives the position of field or, for a defaulted or missing field, of its nearest enclosing field;
// 0, 0 when nothing encloses it (the whole file, or a model built in Go).
func (ps positions) locate(field string) (line, col int) {
	for {
		if n := ps[field]; n != nil {
			return n.Line, n.Column
		}
		if field == "" {
			return 0, 0
		}
		field = parentField(field)
	}
}

var (
	parentField = fieldpath.Parent
	childField  = fieldpath.Child
	itemField   = fieldpath.Item
)

// resolve follows an alias to its anchor.
func resolve(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// describe names what a node holds, for "expected X, found Y" messages.
func describe(n *yaml.Node) string {
	switch {
	case isNull(n):
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Tag == "!!int" || n.Tag == "!!float":
		return "the number " + n.Value
	case n.Tag == "!!bool":
		return n.Value
	}
	return fmt.Sprintf("%q", n.Value)
}

// decoder turns YAML nodes into the model, reporting every problem it meets and remembering where each field
// came from so that validation can point at it too.
type decoder struct {
	*problems
	lines []string // the file's text, to find columns inside a rules block
}

func (d *decoder) mismatch(n *yaml.Node, path, want string) {
	d.unreadable(n, path, "expected %s, found %s", want, describe(n))
}

// unreadable reports a value that cannot be read into the model.
func (d *decoder) unreadable(n *yaml.Node, path, format string, args ...any) {
	d.addAt(n.Line, n.Column, path, format, args...)
	d.unread[path] = true
}

type entry struct {
	name     string
	key, val *yaml.Node
}

// pairs reads the entries of a mapping in file order, reporting a repeated key at its second place. what
// names a key in that message ("host", "field"). A null node is an empty mapping.
func (d *decoder) pairs(n *yaml.Node, path, what, want string) []entry {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.mismatch(n, path, want)
		return nil
	}
	return scanMapping(n, mappingReport{
		notName: func(key *yaml.Node) { d.mismatch(key, path, "a "+what+" name") },
		repeated: func(key, first *yaml.Node) {
			d.addAt(key.Line, key.Column, path, "duplicate %s %q; the first is at %d:%d", what, key.Value, first.Line, first.Column)
		},
	})
}

// mappingReport is what scanMapping says of a mapping's keys: a key that is not a name, a key given a second
// time; and, when merge is set, the entries a merge key (<<) brings in (else << is an ordinary key).
type mappingReport struct {
	notName  func(key *yaml.Node)
	repeated func(key, first *yaml.Node)
	merge    func(value *yaml.Node) []entry
}

// scanMapping reads the entries of a mapping node in file order, those a merge key brings in after them
// where no entry of the mapping's own has their name, as yaml.v3 decodes them.
func scanMapping(n *yaml.Node, report mappingReport) []entry {
	var out, merged []entry
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := resolve(n.Content[i]), resolve(n.Content[i+1])
		switch {
		case key.Kind != yaml.ScalarNode:
			report.notName(key)
			continue
		case report.merge != nil && key.ShortTag() == "!!merge":
			merged = append(merged, report.merge(val)...)
			continue
		}
		if first := seen[key.Value]; first != nil {
			report.repeated(key, first)
			continue
		}
		seen[key.Value] = key
		out = append(out, entry{key.Value, key, val})
	}
	for _, e := range merged {
		if seen[e.name] == nil {
			seen[e.name] = e.key
			out = append(out, e)
		}
	}
	return out
}

// fields reads a mapping with a fixed set of keys and returns the values by key. An unknown key is reported
// at its own position with the allowed ones.
func (d *decoder) fields(n *yaml.Node, path string, allowed ...string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	for _, e := range d.pairs(n, path, "field", "a mapping of "+strings.Join(allowed, ", ")) {
		if !slices.Contains(allowed, e.name) {
			d.addAt(e.key.Line, e.key.Column, path, "unknown field %q; allowed: %s%s", e.name, strings.Join(allowed, ", "), didYouMean(e.name, allowed))
			continue
		}
		d.at[childField(path, e.name)] = e.val
		out[e.name] = e.val
	}
	return out
}

// entries reads a mapping keyed by names the user chose (networks, hosts, sysctls).
func (d *decoder) entries(n *yaml.Node, path, what string) []entry {
	out := d.pairs(n, path, what, "a mapping of "+what+" names")
	for _, e := range out {
		d.at[childField(path, e.name)] = e.key
	}
	return out
}

// items reads a list; a null node is an empty list.
func (d *decoder) items(n *yaml.Node, path, what string) []*yaml.Node {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.mismatch(n, path, "a list of "+what)
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, item := range n.Content {
		out[i] = resolve(item)
		d.at[itemField(path, i)] = out[i]
	}
	return out
}

// scalar returns a non-null scalar's text; ok is false (and the problem reported) otherwise.
func (d *decoder) scalar(n *yaml.Node, path, want string) (string, bool) {
	if n == nil {
		return "", false
	}
	if isNull(n) || n.Kind != yaml.ScalarNode {
		d.mismatch(n, path, want)
		return "", false
	}
	return n.Value, true
}

func (d *decoder) str(n *yaml.Node, path string) string {
	s, _ := d.scalar(n, path, "a string")
	return s
}

// integer reads a whole number in [lo, hi].
func (d *decoder) integer(n *yaml.Node, path string, lo, hi int64) (int64, bool) {
	v, ok := typed[int64](d, n, path, "!!int", fmt.Sprintf("a number from %d to %d", lo, hi))
	if ok && (v < lo || v > hi) {
		d.addAt(n.Line, n.Column, path, "%d is out of range; allowed: %d to %d", v, lo, hi)
		return 0, false
	}
	return v, ok
}

func (d *decoder) boolean(n *yaml.Node, path string) (value, ok bool) {
	return typed[bool](d, n, path, "!!bool", "true or false")
}

// typed decodes a scalar that YAML resolved to tag, or reports what was wanted instead.
func typed[T any](d *decoder, n *yaml.Node, path, tag, want string) (T, bool) {
	var v T
	if _, ok := d.scalar(n, path, want); !ok {
		return v, false
	}
	if n.Tag != tag || n.Decode(&v) != nil {
		d.mismatch(n, path, want)
		return v, false
	}
	return v, true
}

func (d *decoder) prefix(n *yaml.Node, path, example string) netip.Prefix {
	return parsed(d, n, path, "CIDR", "an address and prefix length such as "+example, netip.ParsePrefix)
}

func (d *decoder) addr(n *yaml.Node, path, example string) netip.Addr {
	return parsed(d, n, path, "IP address", "an address such as "+example, netip.ParseAddr)
}

// parsed reads a scalar with parse; what names the kind of value and want describes a good one.
func parsed[T any](d *decoder, n *yaml.Node, path, what, want string, parse func(string) (T, error)) T {
	var zero T
	s, ok := d.scalar(n, path, want)
	if !ok {
		return zero
	}
	v, err := parse(s)
	if err != nil {
		d.unreadable(n, path, "bad %s %q (%s); expected %s", what, s, reason(err), want)
		return zero
	}
	return v
}

// reason strips the function name and input that net/netip errors repeat: `netip.ParsePrefix("x"): no '/'`.
func reason(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "): "); i >= 0 {
		return msg[i+3:]
	}
	return msg
}
