package tutorial

import "time"

// Watch follows one step through the states read from its lab: whether it is done, which hints start to
// hold, and what to answer a learner who asks. It never judges a rules file caught in the writing: the
// checks see the last complete one instead, and the time the file has been in the writing.
type Watch struct {
	step       *Step
	stuckAfter time.Duration
	start      State // counts start here: the step's start, or the table's last change since
	cur        State
	since      time.Duration
	busySince  time.Duration // when the rules file was first seen in the writing; -1 when it is not
	shown      map[string]bool
}

// NewWatch starts following step s from the state start; a learner on it for stuckAfter is stuck.
func NewWatch(s *Step, start State, stuckAfter time.Duration) *Watch {
	w := &Watch{step: s, stuckAfter: stuckAfter, busySince: -1, shown: map[string]bool{}}
	if start.Saved != nil && start.Saved.Writing {
		w.busySince = 0
		start.Saved = nil // not known yet
	}
	w.start, w.cur = start, start
	return w
}

// Look takes the lab's state, read since after the step began: it says whether the step is done, and
// which hints have begun to hold (a hint is shown again only after it stopped holding).
func (w *Watch) Look(cur State, since time.Duration) (done bool, show []*Hint) {
	w.since = since
	if cur.Saved != nil && cur.Saved.Writing {
		if w.busySince < 0 {
			w.busySince = since
		}
		cur.Saved = w.cur.Saved // the last complete file
	} else {
		w.busySince = -1
	}
	if !sameRules(cur.Services, w.cur.Services) {
		w.start.Services, w.start.Served = cur.Services, cur.Served
	}
	w.cur = cur
	c := w.context(false)
	if w.step.Done(c) {
		return true, nil
	}
	for _, h := range w.step.Hints {
		switch {
		case !h.When(c):
			delete(w.shown, h.ID)
		case !w.shown[h.ID]:
			w.shown[h.ID] = true
			show = append(show, h)
		}
	}
	return false, show
}

// Hints is the hints that hold in the last state looked at; asked, as for a learner who asks: those
// that wait for a learner to be stuck too.
func (w *Watch) Hints(asked bool) []*Hint {
	c := w.context(asked)
	var out []*Hint
	for _, h := range w.step.Hints {
		if h.When(c) {
			out = append(out, h)
		}
	}
	return out
}

// Done tells whether the step is done in the last state looked at.
func (w *Watch) Done() bool { return w.step.Done(w.context(false)) }

// Fix is the commands that lead out of the last state looked at, when a hint that holds has them.
func (w *Watch) Fix() []Command {
	for _, h := range w.Hints(true) {
		if len(h.Fix) > 0 {
			return h.Fix
		}
	}
	return nil
}

func (w *Watch) context(asked bool) *Context {
	c := &Context{Cur: w.cur, Start: w.start, Since: w.since, StuckAfter: w.stuckAfter}
	if w.busySince >= 0 {
		c.SavedBusy = w.since - w.busySince
	}
	if asked {
		c.StuckAfter = 0
	}
	return c
}
