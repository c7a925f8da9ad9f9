package topology

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// ipvsOrigins remembers, for a topology read from a file, which rule or structured entry last wrote each
// service and real server, so that a problem found in the model points at the line that caused it.
type ipvsOrigins map[originKey]origin

type originKey struct {
	service ipvsadm.ServiceKey
	dest    netip.AddrPort // zero for the service itself
}

// spot is a field and its position in the file.
type spot struct {
	field     string
	line, col int
}

type origin struct {
	spot
	noun string // what the user would drop to fix it: "rule" or "real server"
}

// ruleLine is an ipvsadm rule written for a structured service, word by word, with the field each word came
// from so that a problem with a word is reported at that field.
type ruleLine struct {
	words, fields []string
}

func (r *ruleLine) add(field string, words ...string) {
	for _, w := range words {
		r.words = append(r.words, w)
		r.fields = append(r.fields, field)
	}
}

func (r *ruleLine) append(other ruleLine) {
	r.words = append(r.words, other.words...)
	r.fields = append(r.fields, other.fields...)
}

func (r ruleLine) String() string { return strings.Join(r.words, " ") }

// fieldAt gives the field of the word at a byte offset of String().
func (r ruleLine) fieldAt(offset int) string {
	end := 0
	for i, w := range r.words {
		end += len(w) + 1
		if offset < end {
			return r.fields[i]
		}
	}
	return r.fields[len(r.fields)-1]
}

func (d *decoder) applyLine(tbl *ipvsadm.Table, r ruleLine, noun string) {
	d.applyRule(tbl, r.String(), func(offset int) spot {
		field := r.fieldAt(offset)
		line, col := d.at.locate(field)
		return spot{field, line, col}
	}, noun)
}

// rules applies the rules text, one ipvsadm -S line at a time so that each problem has its line.
func (d *decoder) rules(tbl *ipvsadm.Table, n *yaml.Node, path string) {
	text, ok := d.scalar(n, path, "ipvsadm rules, one a line")
	if !ok {
		return
	}
	if n.Style&yaml.FoldedStyle != 0 {
		d.addAt(n.Line, n.Column, path, "a folded block (>) joins the rules into one line; use a literal block (|)")
		return
	}
	for i, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		fileLine, start := d.ruleStart(n, i, line)
		d.applyRule(tbl, line, func(offset int) spot {
			offset = min(max(offset, 0), len(line))
			return spot{path, fileLine, start + utf8.RuneCountInString(line[:offset])}
		}, "rule")
	}
}

// ruleStart finds line i of a rules scalar in the file: its line number and the column of its first byte. A
// literal block's text starts on the line after its | indicator; other scalars start on their own line.
func (d *decoder) ruleStart(n *yaml.Node, i int, line string) (fileLine, col int) {
	fileLine = n.Line + i
	if n.Style&yaml.LiteralStyle != 0 {
		fileLine++
	}
	if fileLine > len(d.lines) {
		return n.Line, n.Column
	}
	text := d.lines[fileLine-1]
	if j := strings.LastIndex(text, line); j >= 0 {
		return fileLine, utf8.RuneCountInString(text[:j]) + 1
	}
	return fileLine, 1
}

// applyRule parses one rule and applies it to tbl. at places a byte offset of the line in the file; noun is
// what a user would drop to remove what the rule added.
func (d *decoder) applyRule(tbl *ipvsadm.Table, line string, at func(offset int) spot, noun string) {
	cmds, errs := ipvsadm.ParseRules(line)
	for _, e := range errs {
		offset, msg := 0, e.Error()
		var syntax *ipvsadm.SyntaxError
		if errors.As(e, &syntax) {
			offset, msg = syntax.Offset, syntaxMessage(syntax)
		}
		s := at(offset)
		d.addAt(s.line, s.col, s.field, "%s", msg)
	}
	for _, cmd := range cmds {
		key, touches := touched(cmd)
		before := entryState(tbl, key)
		if err := tbl.Apply(cmd); err != nil {
			s := at(0)
			d.addAt(s.line, s.col, s.field, "%v", err)
			continue
		}
		if !touches || entryState(tbl, key) == before {
			continue
		}
		if key.dest == (netip.AddrPort{}) {
			d.origins[key] = origin{at(0), noun}
		} else {
			d.origins[key] = origin{at(destOffset(line)), noun}
		}
	}
}

func syntaxMessage(e *ipvsadm.SyntaxError) string {
	if e.Token == "" || strings.Contains(e.Msg, e.Token) {
		return e.Msg
	}
	return fmt.Sprintf("%q: %s", e.Token, e.Msg)
}

// destOffset is the byte offset of a rule's real-server address, or 0 when it names none.
func destOffset(line string) int {
	offset, takeNext := 0, false
	for _, w := range strings.Fields(line) {
		offset += strings.Index(line[offset:], w)
		if takeNext {
			return offset
		}
		takeNext = w == "-r" || w == "--real-server"
		offset += len(w)
	}
	return 0
}

// touched is the table entry that a command creates or changes, if any: the service of -A and -E, the
// real server of -a and -e. (-C, -D and -d only remove.) Looking at that entry alone, not at the whole
// table, keeps a file of many rules linear.
func touched(cmd ipvsadm.Command) (originKey, bool) {
	switch cmd.Op {
	case ipvsadm.OpAddService, ipvsadm.OpEditService:
		return originKey{service: cmd.Service.ServiceKey}, true
	case ipvsadm.OpAddDest, ipvsadm.OpEditDest:
		return originKey{cmd.Service.ServiceKey, cmd.Dest.Addr}, true
	}
	return originKey{}, false
}

// entryState renders one service (without its real servers) or real server of tbl, or "" if it has none.
func entryState(tbl *ipvsadm.Table, key originKey) string {
	s := tbl.Service(key.service)
	switch {
	case s == nil:
		return ""
	case key.dest == (netip.AddrPort{}):
		settings := *s
		settings.Dests = nil
		return fmt.Sprint(settings)
	}
	if dest := s.Dest(key.dest); dest != nil {
		return fmt.Sprint(*dest)
	}
	return ""
}
