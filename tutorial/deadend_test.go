package tutorial

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// simLab is a director's table and the rules file, driven by the lines a learner types, as ipvsadm and
// the shell would: enough to follow the course's table steps without a kernel.
type simLab struct {
	table ipvsadm.Table
	saved *string // nil: no file
}

func (l *simLab) typeLine(line string) {
	switch line {
	case "ipvsadm -S -n > " + SavedRules:
		var b strings.Builder
		if err := l.table.Save(&b); err != nil {
			panic(err)
		}
		s := b.String()
		l.saved = &s
	case "ipvsadm -R < " + SavedRules:
		if l.saved == nil {
			return
		}
		cmds, errs := ipvsadm.ParseRules(*l.saved)
		if len(errs) > 0 {
			return // ipvsadm -R stops at the first line it cannot read: a listing's first
		}
		for _, c := range cmds {
			if l.table.Apply(c) != nil {
				return // and at the first the kernel refuses
			}
		}
	default:
		if c, err := ipvsadm.ParseRule(line); err == nil {
			l.table.Apply(c) // refused: the table stays, as the kernel leaves it
		}
	}
}

func (l *simLab) state() State {
	st := State{Services: FromTable(&l.table, nil), IPForward: "1", Served: map[string]Served{}}
	st.Saved = &Saved{Path: SavedRules}
	if l.saved != nil {
		st.Saved = ParseSaved(SavedRules, []byte(*l.saved))
	}
	return st
}

// replay is a lab after lines, with the rules file file (nil: none).
func replay(lines []string, file *string) *simLab {
	l := &simLab{}
	for _, line := range lines {
		l.typeLine(line)
	}
	if file != nil {
		l.saved = file
	}
	return l
}

func lines(cmds []Command) []string {
	var out []string
	for _, c := range cmds {
		if c.Exec == "" {
			out = append(out, c.Line)
		}
	}
	return out
}

// What a learner may have done to the table by the time they reach a step.
var perturbations = []string{
	"ipvsadm -C",
	"ipvsadm -D -t 192.168.0.75:80",
	"ipvsadm -A -u 192.168.0.75:80 -s rr",
	"ipvsadm -A -t 192.168.0.75:8080 -s rr",
	"ipvsadm -A -t 192.168.0.75:80 -s wrr",
	"ipvsadm -A -t 192.168.0.75:80 -s sh",
	"ipvsadm -A -t 192.168.0.75:80",
	"ipvsadm -E -t 192.168.0.75:80",
	"ipvsadm -E -t 192.168.0.75:80 -s rr",
	"ipvsadm -E -t 192.168.0.75:80 -s wrr",
	"ipvsadm -a -t 192.168.0.75:80 -r 172.16.0.45:8080 -m",
	"ipvsadm -a -t 192.168.0.75:80 -r 172.16.0.46 -m",
	"ipvsadm -a -t 192.168.0.75:80 -r 172.16.0.45",
	"ipvsadm -a -t 192.168.0.75:80 -r 172.16.0.65 -m",
	"ipvsadm -e -t 192.168.0.75:80 -r 172.16.0.45 -w 1",
	"ipvsadm -e -t 192.168.0.75:80 -r 172.16.0.55 -m -w 3",
	"ipvsadm -e -t 192.168.0.75:80 -r 172.16.0.55 -m -w 2",
	"ipvsadm -e -t 192.168.0.75:80 -r 172.16.0.45 -m -w 0",
	"ipvsadm -d -t 192.168.0.75:80 -r 172.16.0.45",
	"ipvsadm -d -t 192.168.0.75:80 -r 172.16.0.65",
	"ipvsadm -a -t 192.168.0.75:80 -r 192.168.0.45 -m",
	"ipvsadm -a -t 192.168.0.75:80 -r 10.0.0.45 -m",
	"ipvsadm -S -n > " + SavedRules,
}

// The rules files a learner may have in their folder.
var files = []*string{nil, ptr(""), ptr("IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n"),
	ptr(courseRules), ptr("-A -t 192.168.0.75:80 -s wrr\n"), ptr(strings.Replace(courseRules, "-w 1", "-w 2", 1))}

func ptr(s string) *string { return &s }

// No dead end: in a step whose work is the director's table or the rules file, whatever state the
// learner has reached (the course's state for the step, changed by one or two of the mistakes above,
// with any rules file), once they have typed the step's own commands the step is done or a hint says
// what is wrong; and where that hint has a way back, the way back and the step's commands do the step.
func TestNoStepStrandsItsLearner(t *testing.T) {
	for _, c := range Courses() {
		var course []string // the lines typed so far, the course followed as it says
		if c.Name != "nat" {
			course = []string{"ipvsadm -A -t 192.168.0.75:80", "ipvsadm -a -t 192.168.0.75:80 -r 192.168.0.45", "ipvsadm -a -t 192.168.0.75:80 -r 10.0.0.45 -i"}
		}
		for _, s := range c.Steps {
			start := slices.Clone(course)
			course = append(course, lines(s.Type)...)
			if !s.Done(&Context{Cur: replay(course, nil).state()}) {
				continue // a step done by traffic, which this lab does not carry
			}
			cases := 0
			for i, p := range perturbations {
				for _, q := range append([]string{""}, perturbations[i:]...) {
					for _, file := range files {
						x := append(slices.Clone(start), p, q)
						where := fmt.Sprintf("%s/%s after %q, %q, file %v", c.Name, s.ID, p, q, show(file))
						strandedAt(t, s, start, x, file, where)
						cases++
					}
				}
			}
			if cases == 0 {
				t.Errorf("%s/%s: no case", c.Name, s.ID)
			}
		}
	}
}

func show(file *string) string {
	if file == nil {
		return "none"
	}
	return fmt.Sprintf("%q", *file)
}

// strandedAt types the step's commands after x and checks that the learner is done or told why not, and
// that a way back works.
func strandedAt(t *testing.T, s *Step, start, x []string, file *string, where string) {
	t.Helper()
	y := append(slices.Clone(x), lines(s.Type)...)
	lab := replayWithFile(x, y[len(x):], file)
	w := NewWatch(s, replay(start, nil).state(), 20*time.Second)
	if done, _ := w.Look(lab.state(), time.Minute); done {
		return
	}
	if len(w.Hints(true)) == 0 {
		t.Errorf("%s: the step's commands leave it undone and no hint says why; table %+v, file %+v", where, lab.state().Services, lab.state().Saved)
		return
	}
	if fix := w.Fix(); len(fix) > 0 {
		for _, line := range append(lines(fix), lines(s.Type)...) {
			lab.typeLine(line)
		}
		if !s.Done(&Context{Cur: lab.state(), StuckAfter: time.Hour}) {
			t.Errorf("%s: the way back (%v) and the step's commands leave it undone: table %+v, file %+v", where, lines(fix), lab.state().Services, lab.state().Saved)
		}
	}
}

// replayWithFile is the lab after x (the rules file then being file, when given) and then typed.
func replayWithFile(x, typed []string, file *string) *simLab {
	l := replay(x, file)
	for _, line := range typed {
		l.typeLine(line)
	}
	return l
}
