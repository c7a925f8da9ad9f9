package runner

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/lvslab/lvslab/internal/wait"
	"github.com/lvslab/lvslab/labs"
	"github.com/lvslab/lvslab/tutorial"
)

// How long --check waits for a state (IPVS's counters lag up to 2 s), and how many looks at the lab a
// race's half-written state must pass unjudged.
const (
	checkWait  = 15 * time.Second
	checkPoll  = 100 * time.Millisecond
	raceLooks  = 5
	checkStuck = time.Hour // a race and a done step are judged as by a learner who is not stuck
)

// Check runs each course in a lab of its own on this kernel: every mistake must make its hint fire, and
// only it, without the step being done; every race must leave the step undone and silent while it waits,
// and done once it has finished; then every step's solution must make it done, with no hint. It reports
// each check on w and returns how many failed.
func Check(ctx context.Context, courses []*tutorial.Course, w, stderr io.Writer) (failures int, err error) {
	folder, err := os.MkdirTemp("", "lvslab-tutorial-check-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(folder)
	for _, c := range courses {
		sc := tutorial.Screen{Lang: tutorial.English, Course: c, Lab: c.Lab + "-check"}
		cl, _, err := openCourseLab(ctx, w, stderr, sc, folder, nil)
		if err != nil {
			return failures, err
		}
		failures += checkCourse(ctx, w, cl)
		if err := cl.lab.Down(context.WithoutCancel(ctx), labs.Terminal{Stdout: io.Discard, Stderr: io.Discard}); err != nil {
			return failures, err
		}
		os.Remove(cl.savedPath())
	}
	if failures == 0 {
		fmt.Fprintln(w, "every step, every hint and every race of the tutorial behaved")
	}
	return failures, nil
}

func checkCourse(ctx context.Context, w io.Writer, cl *courseLab) int {
	failures := 0
	fail := func(s *tutorial.Step, format string, args ...any) {
		fmt.Fprintf(w, "FAIL  %s/%s: %s\n", cl.course.Name, s.ID, fmt.Sprintf(format, args...))
		failures++
	}
	for _, s := range cl.course.Steps {
		var fired, raced []string
		for _, m := range s.Mistakes {
			if checkMistake(ctx, cl, s, m, func(f string, a ...any) { fail(s, f, a...) }) {
				fired = append(fired, m.Hint)
			}
		}
		for _, r := range s.Races {
			if checkRace(ctx, cl, s, r, func(f string, a ...any) { fail(s, f, a...) }) {
				raced = append(raced, r.Name)
			}
		}
		// What --from does for each step before the one it starts at.
		watch, err := solveStep(ctx, cl, s)
		if err != nil {
			fail(s, "%v", err)
			return failures
		}
		// Done right, no hint may speak (but those that wait for a learner to be stuck).
		for _, h := range watch.Hints(false) {
			fail(s, "hint %s fires although the step is done right", h.ID)
		}
		fmt.Fprintf(w, "ok    %s/%s (hints fired: %s; races: %s)\n", cl.course.Name, s.ID, strings.Join(fired, ", "), strings.Join(raced, ", "))
	}
	return failures
}

// checkMistake makes mistake m, and checks that its hint holds, alone, and the step is not done; then
// undoes it.
func checkMistake(ctx context.Context, cl *courseLab, s *tutorial.Step, m tutorial.Mistake, fail func(string, ...any)) bool {
	start, err := cl.state(ctx)
	if err != nil {
		fail("reading the lab: %v", err)
		return false
	}
	if err := runAll(ctx, cl, m.Do); err != nil {
		fail("mistake %s: %v", m.Hint, err)
		return false
	}
	watch := tutorial.NewWatch(s, start, 0) // stuck at once: the hints that wait for it fire too
	err = awaitWatch(ctx, cl, watch, func() (bool, string) {
		got := hintIDs(watch.Hints(true))
		return slices.Equal(got, []string{m.Hint}) && !watch.Done(),
			fmt.Sprintf("hints holding: %v, step done: %v", got, watch.Done())
	})
	if err != nil {
		fail("the mistake for hint %s did not make it, and only it, fire with the step not done: %v", m.Hint, err)
	}
	if uerr := runAll(ctx, cl, m.Undo); uerr != nil {
		fail("undoing mistake %s: %v", m.Hint, uerr)
	}
	return err == nil
}

// checkRace starts race r's command, which stops halfway: while it waits, the step must look undone
// and silent at raceLooks looks; once released and finished, done with no hint shown on the way.
func checkRace(ctx context.Context, cl *courseLab, s *tutorial.Step, r tutorial.Race, fail func(string, ...any)) bool {
	start, err := cl.state(ctx)
	if err != nil {
		fail("reading the lab: %v", err)
		return false
	}
	release, finished := startHeld(ctx, cl, r.Start)
	defer release()
	watch := tutorial.NewWatch(s, start, checkStuck)
	var spoke []string
	look := func() (tutorial.State, bool) {
		cur, err := cl.state(ctx)
		if err != nil {
			return cur, false
		}
		done, hints := watch.Look(cur, 0)
		spoke = append(spoke, hintIDs(hints)...)
		return cur, done
	}
	// The command has created the file and holds it: the window is open.
	err = pollLab(ctx, func() (bool, string) {
		cur, _ := look()
		return cur.Saved != nil && cur.Saved.Exists, "the race's command has not created " + tutorial.SavedRules
	})
	if err != nil {
		fail("race %s: %v", r.Name, err)
		return false
	}
	ok := true
	for i := 0; i < raceLooks && ok; i++ {
		if _, done := look(); done || len(spoke) > 0 {
			fail("race %s: while its command waited, the step was judged: done %v, hints %v", r.Name, done, spoke)
			ok = false
		}
	}
	release()
	if err := <-finished; err != nil {
		fail("race %s: its command: %v", r.Name, err)
		return false
	}
	err = pollLab(ctx, func() (bool, string) {
		_, done := look()
		return done, "the step is not done"
	})
	switch {
	case err != nil:
		fail("race %s: once its command finished: %v", r.Name, err)
		ok = false
	case ok && len(spoke) > 0:
		fail("race %s: hints %v were shown on the way", r.Name, spoke)
		ok = false
	}
	return ok
}

// startHeld starts a command that reads one line on its stdin halfway; release gives it that line,
// finished reports how it ended.
func startHeld(ctx context.Context, cl *courseLab, a tutorial.Action) (release func(), finished <-chan error) {
	stdin, feed := io.Pipe()
	done := make(chan error, 1)
	go func() {
		out, err := cl.run(ctx, a, stdin)
		if err != nil {
			err = fmt.Errorf("%s: %v %s", a, err, strings.TrimSpace(out))
		}
		done <- err
	}()
	var released bool
	return func() {
		if !released {
			released = true
			feed.Write([]byte("\n"))
			feed.Close()
		}
	}, done
}

func hintIDs(hints []*tutorial.Hint) []string {
	var ids []string
	for _, h := range hints {
		ids = append(ids, h.ID)
	}
	return ids
}

func runAll(ctx context.Context, cl *courseLab, actions []tutorial.Action) error {
	for _, a := range actions {
		if out, err := cl.run(ctx, a, nil); err != nil && !a.Runs("curl") { // a curl that hangs is the point of some mistakes
			return fmt.Errorf("%s: %v %s", a, err, strings.TrimSpace(out))
		}
	}
	return nil
}

// awaitWatch feeds the lab's states to watch until cond holds, within checkWait.
func awaitWatch(ctx context.Context, cl *courseLab, watch *tutorial.Watch, cond func() (bool, string)) error {
	return pollLab(ctx, func() (bool, string) {
		cur, err := cl.state(ctx)
		if err != nil {
			return false, err.Error()
		}
		watch.Look(cur, 0)
		return cond()
	})
}

// pollLab calls check every checkPoll until it holds, within checkWait: each look reads the whole lab, so
// not faster than that.
func pollLab(ctx context.Context, check func() (bool, string)) error {
	return wait.Every(ctx, checkWait, checkPoll, check)
}
