package topology

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxFileBytes bounds a topology file. The largest lab a machine runs (a few hundred hosts) takes well
// under 100 KB.
const MaxFileBytes = 1 << 20

// Load reads and validates a topology file.
func Load(path string) (*Topology, error) {
	data, err := readBounded(path)
	if err != nil {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			err = pathErr.Err
		}
		return nil, Errors{{File: path, Msg: "cannot read the topology: " + err.Error()}}
	}
	return Parse(path, data)
}

// readBounded reads at most MaxFileBytes and a byte more, for Parse to refuse: /dev/zero ends too.
func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
}

// Parse reads and validates a topology; source names it in messages and in Topology.Source. Every problem
// found is returned at once, as Errors.
func Parse(source string, data []byte) (*Topology, error) {
	p := &problems{file: source, at: positions{}, origins: ipvsOrigins{}, unread: map[string]bool{}}
	if len(data) > MaxFileBytes {
		p.addAt(0, 0, "", "the file is larger than %d bytes; a topology is at most that", MaxFileBytes)
		return nil, p.err()
	}
	root := document(p, data)
	if root == nil {
		return nil, p.err()
	}
	d := &decoder{problems: p, lines: strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")}
	t := d.topology(root)
	if t == nil {
		return nil, p.err()
	}
	t.Source = source
	validate(t, p)
	if err := p.err(); err != nil {
		return nil, err
	}
	return t, nil
}

// document returns the root node of data's one YAML document, or nil when there is none or YAML cannot read it.
func document(p *problems, data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			p.addAt(0, 0, "", "the file is empty; a topology needs name, networks and hosts")
		} else {
			syntaxError(p, err, data)
		}
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == io.EOF:
	case err != nil:
		syntaxError(p, err, data)
		return nil
	default:
		p.addAt(next.Line, next.Column, "", "a second YAML document starts here; a topology file holds one")
		return nil
	}
	var root *yaml.Node
	if len(doc.Content) > 0 {
		root = resolve(doc.Content[0])
	}
	if isNull(root) {
		p.addAt(0, 0, "", "the file is empty; a topology needs name, networks and hosts")
		return nil
	}
	return root
}

// YAMLSyntax places a YAML error that yaml.v3 gives as text, for topology and scenario files alike: at
// the line it names, on the line's first character (yaml.v3 gives no column, and counts the lines of its
// parser's, not its scanner's, errors from 0); an unknown anchor at its first use; 0, 0 when the error
// names no place (excessive aliasing).
func YAMLSyntax(err error, data []byte) (line, col int, msg string) {
	msg = strings.TrimPrefix(err.Error(), "yaml: ")
	lines := strings.Split(string(data), "\n")
	if anchor, ok := strings.CutPrefix(msg, "unknown anchor '"); ok {
		line, col = find(lines, "*"+strings.TrimSuffix(anchor, "' referenced"))
		return line, col, msg
	}
	rest, ok := strings.CutPrefix(msg, "line ")
	if !ok {
		return 0, 0, msg
	}
	number, text, ok := strings.Cut(rest, ": ")
	n, convErr := strconv.Atoi(number)
	if !ok || convErr != nil {
		return 0, 0, msg
	}
	if strings.HasPrefix(text, "did not find expected") || strings.HasPrefix(text, "found undefined tag") {
		n++
	}
	line = min(max(n, 1), len(lines))
	col = len(lines[line-1]) - len(strings.TrimLeft(lines[line-1], " \t")) + 1
	return line, col, text
}

// syntaxError reports a YAML error where YAMLSyntax places it.
func syntaxError(p *problems, err error, data []byte) {
	line, col, msg := YAMLSyntax(err, data)
	p.addAt(line, col, "", "YAML syntax: %s", msg)
}

// find gives the 1-based line and column of the first occurrence of s, or 1, 1.
func find(lines []string, s string) (line, col int) {
	for i, text := range lines {
		if j := strings.Index(text, s); j >= 0 {
			return i + 1, j + 1
		}
	}
	return 1, 1
}
