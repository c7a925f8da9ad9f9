package runner

import (
	"context"
	"fmt"
	"io"

	"github.com/lvslab/lvslab/tutorial"
)

// fastForward brings the lab to the state the steps before step from (1-based) leave: it runs the
// solution of each of them not done yet, as --check does, waits until the lab shows it done, and keeps it
// as done. A step from on, done already, would leave the lab past the state step from starts from: that
// asks for a fresh lab (--reset).
func (p *progress) fastForward(ctx context.Context, w io.Writer, sc tutorial.Screen, cl *courseLab, from int) error {
	steps := sc.Course.Steps
	if err := CheckFrom(sc.Course, from); err != nil {
		return err
	}
	for i := from - 1; i < len(steps); i++ {
		if p.done(steps[i].ID) {
			return fmt.Errorf("--from %d: step %d (%s) is done already in lab %s, which is past where step %d starts; `%s --reset --from %d` starts a fresh lab there",
				from, i+1, steps[i].ID, sc.Lab, from, sc.Command(), from)
		}
	}
	for i, s := range steps[:from-1] {
		if p.done(s.ID) {
			continue
		}
		fmt.Fprint(w, sc.SolvedForYou(i))
		if _, err := solveStep(ctx, cl, s); err != nil {
			return fmt.Errorf("--from %d: solving step %d (%s): %w; the lab may be half-way through it: `%s --reset --from %d` starts a fresh lab there", from, i+1, s.ID, err, sc.Command(), from)
		}
		if err := p.markDone(s.ID); err != nil {
			return err
		}
	}
	return nil
}

// CheckFrom tells whether course has a step from (1-based) to start at.
func CheckFrom(course *tutorial.Course, from int) error {
	if from < 1 || from > len(course.Steps) {
		return fmt.Errorf("--from %d: the %s course has steps 1 to %d", from, course.Name, len(course.Steps))
	}
	return nil
}

// solveStep runs step s's solution and waits until the lab shows the step done (within checkWait); the
// watch that saw it done says which hints spoke.
func solveStep(ctx context.Context, cl *courseLab, s *tutorial.Step) (*tutorial.Watch, error) {
	start, err := cl.state(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the lab: %w", err)
	}
	if err := runAll(ctx, cl, s.Solution); err != nil {
		return nil, fmt.Errorf("the solution: %w", err)
	}
	watch := tutorial.NewWatch(s, start, checkStuck)
	if err := awaitWatch(ctx, cl, watch, func() (bool, string) { return watch.Done(), "the step is not done" }); err != nil {
		return nil, fmt.Errorf("its solution did not make it done: %w", err)
	}
	return watch, nil
}
