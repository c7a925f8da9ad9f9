package ipvsadm

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// item is one option as written, with its value if it has one.
type item struct {
	spec   *optSpec
	label  string // the option for messages: "-w", "--weight"
	name   token  // the option's text in the line ("w" inside the cluster "-mw3")
	val    token
	hasVal bool
}

// fields splits a line into words at blanks, as ipvsadm -R does (it knows no quoting). A word starting with
// '#' starts a comment, as in a shell.
func fields(line string) []token {
	var toks []token
	start := -1
	for i := 0; i <= len(line); i++ {
		if i < len(line) && !strings.ContainsRune(" \t\r\n\v\f", rune(line[i])) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			if line[start] == '#' {
				break
			}
			toks = append(toks, token{line[start:i], start})
			start = -1
		}
	}
	return toks
}

// lex turns words into options, as popt does for ipvsadm: long options with their value in the next word
// or after '=', clusters of short options whose last may take the rest of the word as its value.
func lex(toks []token) ([]item, *SyntaxError) {
	var items []item
	for i := 0; i < len(toks); i++ {
		got, err := lexWord(toks[i])
		if err != nil {
			return nil, err
		}
		last := &got[len(got)-1]
		if last.spec.arg != noArg && !last.hasVal && i+1 < len(toks) && isValueFor(last.spec, toks[i+1].text) {
			i++
			last.val, last.hasVal = toks[i], true
		}
		if last.spec.arg == needArg && !last.hasVal {
			return nil, errAt(last.name, "%s needs a %s", last.label, last.spec.meta)
		}
		items = append(items, got...)
	}
	return items, nil
}

// isValueFor tells whether the next word is the option's value. popt takes any word for a required value, but
// a word that is itself an option means the value was forgotten; -p takes its optional value only when the
// next word does not start with '-'.
func isValueFor(o *optSpec, w string) bool {
	if w[0] != '-' {
		return true
	}
	if o.arg == optionalArg {
		return false
	}
	if name, ok := strings.CutPrefix(w, "--"); ok {
		name, _, _ = strings.Cut(name, "=")
		return longOpt(name) == nil
	}
	return len(w) < 2 || shortOpt(w[1]) == nil
}

func lexWord(t token) ([]item, *SyntaxError) {
	if r, _ := utf8.DecodeRuneInString(t.text); strings.ContainsRune("‐‑‒–—―−", r) {
		return nil, errAt(t, "%q starts with the typographic dash %U, not a plain \"-\"", t.text, r)
	}
	if rest, ok := strings.CutPrefix(t.text, "--"); ok && rest != "" {
		return lexLong(t, rest)
	}
	if len(t.text) < 2 || t.text[0] != '-' {
		return nil, errAt(t, "unexpected argument %q: no option before it takes a value", t.text)
	}
	if name, _, _ := strings.Cut(t.text[1:], "="); len(name) > 1 && longOpt(name) != nil {
		return nil, errAt(t, "unknown option %q; did you mean --%s?", t.text, name)
	}
	return lexShorts(t)
}

func lexLong(t token, rest string) ([]item, *SyntaxError) {
	name, val, hasVal := strings.Cut(rest, "=")
	it := item{spec: longOpt(name), label: "--" + name, name: token{"--" + name, t.off}}
	if it.spec == nil {
		err := errAt(it.name, "unknown option %q", it.label)
		if s := suggestLong(name); s != "" {
			err.Msg += "; did you mean " + s + "?"
		}
		return nil, err
	}
	if err := ruleOption(it); err != nil {
		return nil, err
	}
	if hasVal {
		if it.spec.arg == noArg {
			return nil, errAt(it.name, "%s takes no value", it.label)
		}
		it.val, it.hasVal = token{val, t.off + len(it.label) + 1}, true
	}
	return []item{it}, nil
}

func lexShorts(t token) ([]item, *SyntaxError) {
	var items []item
	for j := 1; j < len(t.text); j++ {
		it := item{spec: shortOpt(t.text[j]), label: "-" + t.text[j:j+1], name: token{t.text[j : j+1], t.off + j}}
		if j == 1 {
			it.name = token{t.text[:2], t.off}
		}
		if t.text[j] >= utf8.RuneSelf {
			return nil, errAt(token{t.text[j:], t.off + j}, "unknown option in %q", t.text)
		}
		if it.spec == nil {
			return nil, unknownShort(it)
		}
		if err := ruleOption(it); err != nil {
			return nil, err
		}
		if it.spec.arg != noArg && j+1 < len(t.text) {
			val := strings.TrimPrefix(t.text[j+1:], "=")
			it.val, it.hasVal = token{val, t.off + len(t.text) - len(val)}, true
			return append(items, it), nil
		}
		items = append(items, it)
	}
	return items, nil
}

func unknownShort(it item) *SyntaxError {
	err := errAt(it.name, "unknown option %q", it.label)
	c := it.label[1]
	if lower := c | 0x20; 'a' <= lower && lower <= 'z' {
		if o := shortOpt(c ^ 0x20); o != nil && o.id != optNotRule { // the same letter in the other case
			err.Msg += fmt.Sprintf("; did you mean -%c?", o.short)
		}
	}
	return err
}

func ruleOption(it item) *SyntaxError {
	if it.spec.id != optNotRule {
		return nil
	}
	return errAt(it.name, "%s is not a rule option (it lists, saves or syncs); a rule is -A, -E, -D, -C, -a, -e or -d with their options", it.label)
}
