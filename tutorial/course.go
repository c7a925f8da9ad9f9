// Package tutorial is the LVS course as steps a learner types by hand: what to do and why, the commands
// to type, and a check of each step against the lab's real state (the kernel's IPVS table, sysctls, what
// the real servers served), never against shell history, so any correct way of doing it passes. Hints
// name the course's own mistakes when the state shows them. The package is pure: the caller reads the
// state (State) and runs the commands.
package tutorial

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Lang is the language of the text: "en" or "zh" (Simplified Chinese, the course's own).
type Lang string

// Languages.
const (
	English Lang = "en"
	Chinese Lang = "zh"
)

// LangFrom picks the language from a flag ("en", "zh") or, when it is empty, from $LANG-like values.
func LangFrom(flag, env string) (Lang, error) {
	switch strings.ToLower(flag) {
	case "en":
		return English, nil
	case "zh":
		return Chinese, nil
	case "":
		if strings.HasPrefix(strings.ToLower(env), "zh") {
			return Chinese, nil
		}
		return English, nil
	}
	return "", fmt.Errorf("--lang %q: expected en or zh", flag)
}

// Text is one text in both languages.
type Text struct{ En, Zh string }

// In is the text in lang.
func (t Text) In(lang Lang) string {
	if lang == Chinese && t.Zh != "" {
		return t.Zh
	}
	return t.En
}

// Course is one tutorial: a lab in its starting state, and steps.
type Course struct {
	Name     string // nat, dr, tun
	Title    Text
	Topology string // the built-in topology of its starting state
	Lab      string // the lab's name
	Steps    []*Step
}

// Step is one thing the learner does.
type Step struct {
	ID    string
	Title Text
	Why   Text
	Host  string    // where the commands are typed: lvslab shell HOST
	Type  []Command // the commands, as the course types them
	Seen  Text      // what the learner should have seen, once the step is done
	Done  func(c *Context) bool
	Hints []*Hint
	// Solution does the step (for --check); Mistakes make each hint fire, then undo themselves; Races
	// widen a window the learner's own commands open (for --check).
	Solution []Action
	Mistakes []Mistake
	Races    []Race
}

// Command is one line the learner types. Exec names the host it runs in from a terminal of the host
// machine (lvslab exec HOST -- LINE), empty for a line typed in the step's own host's shell; Note is a
// comment shown after it.
type Command struct {
	Line string
	Exec string
	// Lvslab says Line is an lvslab command typed on the host machine ("fault rs2 stop"), shown with the
	// lab's name when it has one of its own.
	Lvslab bool
	Note   Text
}

// Hint names a mistake the state shows, and how to see it, not the answer. Fix is what `solve` shows
// before the step's own commands while the hint holds: the way out of a state the step's commands
// alone cannot leave (a table cleared too early, say).
type Hint struct {
	ID   string
	When func(c *Context) bool
	Text Text
	Fix  []Command
}

// Action is one command run in a lab host, for --check; or, with Fault, a fault as lvslab fault applies
// it ("rs2 stop").
type Action struct {
	Host  string
	Argv  []string
	Fault string
}

func (a Action) String() string {
	if a.Fault != "" {
		return "lvslab fault " + a.Fault
	}
	return strings.Join(a.Argv, " ") + " on " + a.Host
}

// Runs says the action runs the program named.
func (a Action) Runs(program string) bool { return len(a.Argv) > 0 && a.Argv[0] == program }

// Mistake makes a hint fire, and then undoes itself.
type Mistake struct {
	Hint string
	Do   []Action
	Undo []Action
}

// Race is a command that stops halfway, at the point where a learner's own command leaves the lab
// between two states (a rules file created empty by the shell, not yet written): it reads one line on
// its standard input there, then finishes. While it waits the step must not be done and no hint may
// fire; once it has finished the step must be done. (For --check.)
type Race struct {
	Name  string
	Start Action
}

// Context is what a check sees: the state now, the state its counts start from (when the step began,
// or when the table last changed since), how long the step has lasted, and after how long a learner is
// taken to be stuck. A rules file being written is never in Cur: Cur holds the last complete one, and
// SavedBusy how long the file has been in the writing.
type Context struct {
	Cur, Start State
	Since      time.Duration
	StuckAfter time.Duration
	SavedBusy  time.Duration
}

// Stuck tells whether the step has lasted past StuckAfter.
func (c *Context) Stuck() bool { return c.Since >= c.StuckAfter }

// Courses are the tutorials, by name.
func Courses() []*Course { return []*Course{natCourse(), drCourse(), tunCourse()} }

// Find is the course named name.
func Find(name string) (*Course, error) {
	var names []string
	for _, c := range Courses() {
		if c.Name == name {
			return c, nil
		}
		names = append(names, c.Name)
	}
	return nil, fmt.Errorf("no tutorial %q; there are %s", name, strings.Join(names, ", "))
}

// Step is the step with that ID, or nil.
func (c *Course) Step(id string) *Step {
	i := slices.IndexFunc(c.Steps, func(s *Step) bool { return s.ID == id })
	if i < 0 {
		return nil
	}
	return c.Steps[i]
}

// Hint is the step's hint with that ID, or nil.
func (s *Step) Hint(id string) *Hint {
	i := slices.IndexFunc(s.Hints, func(h *Hint) bool { return h.ID == id })
	if i < 0 {
		return nil
	}
	return s.Hints[i]
}
