package tutorial

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode"
)

// everything is all the tutorial prints of a course, for its own lab or a named one: each screen, step,
// hint, answer to hint and solve (with and without a way back), status and message.
func everything(lang Lang, c *Course, lab string) string {
	sc := Screen{Lang: lang, Course: c, Lab: lab}
	var b strings.Builder
	for _, inVM := range []bool{true, false} {
		b.WriteString(sc.Starting(inVM) + sc.Ready(inVM, "/home/learner/lvs"))
	}
	b.WriteString(sc.Title() + sc.StartedOver() + sc.Kept() + sc.Finished())
	b.WriteString(sc.Status(func(id string) bool { return id == c.Steps[0].ID }))
	b.WriteString(sc.OtherLab("nat-walkthrough") + "\n" + sc.BadName(errors.New(`"X" is not a valid name`)) + "\n")
	for i, s := range c.Steps {
		b.WriteString(sc.Step(i) + sc.Done(s))
		for _, h := range s.Hints {
			b.WriteString(sc.Hint(h))
		}
		w := NewWatch(s, State{}, time.Minute)
		b.WriteString(sc.Asked(w) + sc.Solve(w))
		for _, h := range s.Hints {
			if len(h.Fix) > 0 {
				b.WriteString(solveWhen(sc, h))
			}
		}
	}
	return b.String()
}

// solveWhen is solve's answer when h, which has a way back, holds.
func solveWhen(sc Screen, h *Hint) string {
	s := &Step{Host: "director", Type: []Command{{Line: "true"}}, Done: func(*Context) bool { return false },
		Hints: []*Hint{{ID: h.ID, When: func(*Context) bool { return true }, Text: h.Text, Fix: h.Fix}}}
	return sc.Solve(NewWatch(s, State{}, 0))
}

// englishWords are words of English prose that no Chinese screen has: the course's terms (director,
// real server, VIP, rr, Masq, ...), commands and the words the learner types (hint, solve, quit) are
// not among them.
var englishWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`the a an and or of to in on at is are was be it its this that with from for by as not no
		more times another terminal step steps done type here ready progress kept every lab first then commands nothing looks
		wrong yet when bringing few seconds again starts over goes up take down give name built needs course folder second
		there any was has have been one each only`) {
		englishWords[w] = true
	}
}

// english is the lines of text that hold English prose: a word of englishWords outside `code`, or the
// label hint:.
func english(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		prose := line
		for {
			i := strings.Index(prose, "`")
			j := strings.Index(prose[i+1:], "`")
			if i < 0 || j < 0 {
				break
			}
			prose = prose[:i] + prose[i+1+j+1:]
		}
		words := strings.FieldsFunc(prose, func(r rune) bool {
			return !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-_./", r)))
		})
		for _, w := range words {
			if englishWords[strings.ToLower(w)] {
				out = append(out, fmt.Sprintf("%q in %q", w, line))
				break
			}
		}
		if strings.Contains(prose, "hint:") {
			out = append(out, fmt.Sprintf("hint: in %q", line))
		}
	}
	return out
}

// With --lang zh, nothing the tutorial prints is English: not the commands' notes, not the status, not
// the lab's name's label, not the hint label. (And the same check finds English in the English text, so
// it can fail.)
func TestChineseHasNoEnglish(t *testing.T) {
	for _, c := range Courses() {
		for _, lab := range []string{c.Lab, "alice"} {
			if leaks := english(everything(Chinese, c, lab)); len(leaks) > 0 {
				t.Errorf("%s, lab %s: English in the Chinese text:\n%s", c.Name, lab, strings.Join(leaks, "\n"))
			}
			if leaks := english(everything(English, c, lab)); len(leaks) < 10 {
				t.Errorf("%s: the check finds almost no English in the English text: %v", c.Name, leaks)
			}
		}
	}
}

// A lab named by --name goes into every command that reaches the lab; the course's own lab needs none.
func TestNamedLabGoesIntoTheCommands(t *testing.T) {
	c, _ := Find("nat")
	named := everything(English, c, "alice")
	for _, want := range []string{"lvslab shell --lab alice director", "lvslab exec --lab alice client -- curl", "lvslab tutorial nat --name alice", "lvslab down alice", "nat (alice): 1 of 12 steps done", "lvslab fault --lab alice rs2 stop"} {
		if !strings.Contains(named, want) {
			t.Errorf("lab alice: no %q in the text", want)
		}
	}
	own := everything(English, c, c.Lab)
	for _, not := range []string{"shell --lab", "exec --lab", "nat --name", "fault --lab"} {
		if strings.Contains(own, not) {
			t.Errorf("the course's own lab: %q in the text", not)
		}
	}
}
