package runner

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/labs"
	"github.com/lvslab/lvslab/tutorial"
)

// How often the tutorial looks at the lab, and after how long a learner on one step is shown the hints
// that wait for it.
const (
	tutorialPoll  = 500 * time.Millisecond
	tutorialStuck = 20 * time.Second
	// tutorialUnread is how long the lab's state may go unread before the tutorial says why.
	tutorialUnread = 5 * time.Second
	// tutorialReadLimit bounds one look at the lab: a look that hangs (a machine that stopped answering)
	// would stop the tutorial with it. A look in a microVM under emulation takes a second or less.
	tutorialReadLimit = 10 * time.Second
)

// Reset forgets the progress of the course on sc's lab, and takes the lab down if it is up.
func Reset(ctx context.Context, sc tutorial.Screen) error {
	removeProgress(sc.Course, sc.Lab)
	l, err := labs.Open(lab.StateDir(), sc.Lab)
	if err != nil {
		return nil // no lab: nothing to take down
	}
	return l.Down(context.WithoutCancel(ctx), labs.Terminal{Stdout: io.Discard, Stderr: io.Discard})
}

// Run is the interactive tutorial: one step at a time, each checked against the lab until done, the lab
// in a microVM booted as machine says when it is not nil, the learner's lines read from stdin. With from
// (1-based) above 0 it starts at that step, the steps before it solved in the lab first.
func Run(ctx context.Context, sc tutorial.Screen, machine *labs.Machine, from int, stdin io.Reader, w, stderr io.Writer) error {
	c := sc.Course
	folder, _ := os.Getwd()
	p, err := loadProgress(c, sc.Lab)
	if err != nil {
		return err
	}
	fmt.Fprint(w, sc.Title())
	cl, fresh, err := openCourseLab(ctx, w, stderr, sc, folder, machine)
	if err != nil {
		return err
	}
	if fresh && len(p.Done) > 0 {
		fmt.Fprint(w, sc.StartedOver())
		p.Done = nil
	}
	p.Folder = folder
	if err := p.save(); err != nil {
		return err
	}
	if from > 0 {
		if err := p.fastForward(ctx, w, sc, cl, from); err != nil {
			return err
		}
	}
	_, inVMLab := cl.lab.(labs.InVM)
	fmt.Fprint(w, sc.Ready(inVMLab, folder))
	f := follower{out: w, screen: sc, lab: cl, lines: readLines(stdin), poll: tutorialPoll, stuck: tutorialStuck,
		unreadable: tutorialUnread, readLimit: tutorialReadLimit}
	for i, s := range c.Steps {
		if p.done(s.ID) {
			continue
		}
		fmt.Fprint(w, sc.Step(i))
		if err := f.await(ctx, s); err != nil {
			if errors.Is(err, errQuit) || ctx.Err() != nil {
				fmt.Fprint(w, sc.Kept())
				return nil
			}
			return err
		}
		if err := p.markDone(s.ID); err != nil {
			return err
		}
	}
	fmt.Fprint(w, sc.Finished())
	return nil
}

var errQuit = errors.New("quit")

// readLines delivers the learner's lines typed at the tutorial.
func readLines(r io.Reader) <-chan string {
	out := make(chan string)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			out <- strings.TrimSpace(sc.Text())
		}
		close(out)
	}()
	return out
}

// labReader reads the state a step is checked against.
type labReader interface {
	state(ctx context.Context) (tutorial.State, error)
}

// follower takes a learner through steps: it looks at the lab every poll and answers what they type.
type follower struct {
	out         io.Writer
	screen      tutorial.Screen
	lab         labReader
	lines       <-chan string
	poll, stuck time.Duration
	unreadable  time.Duration // how long the lab may go unread before the learner is told why
	readLimit   time.Duration // how long one look at the lab may take before it is given up and made again

	unreadSince time.Time // the lab's state has not been read since then; zero when the last read worked
	saidUnread  bool
}

// await follows step s until it is done, showing each hint when the state begins to show its mistake,
// and answering hint, solve and quit.
func (f *follower) await(ctx context.Context, s *tutorial.Step) error {
	start, err := f.lab.state(ctx)
	if err != nil {
		return err
	}
	began := time.Now()
	watch := tutorial.NewWatch(s, start, f.stuck)
	tick := time.NewTicker(f.poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case line, ok := <-f.lines:
			if !ok {
				f.lines = nil // stdin closed: go on watching the lab
				continue
			}
			switch line {
			case "quit", "q", "exit":
				return errQuit
			case "hint", "h":
				fmt.Fprint(f.out, f.screen.Asked(watch))
			case "solve", "s":
				fmt.Fprint(f.out, f.screen.Solve(watch))
			}
		case <-tick.C:
			cur, err := f.look(ctx)
			if err != nil {
				f.unread(err) // often a passing failure (a command running in the machine): look again
				continue
			}
			f.unreadSince, f.saidUnread = time.Time{}, false
			done, hints := watch.Look(cur, time.Since(began))
			if done {
				fmt.Fprint(f.out, f.screen.Done(s))
				return nil
			}
			for _, h := range hints {
				fmt.Fprint(f.out, f.screen.Hint(h))
			}
		}
	}
}

// look reads the lab's state within f.readLimit.
func (f *follower) look(ctx context.Context) (tutorial.State, error) {
	lookCtx, cancel := context.WithTimeout(ctx, f.readLimit)
	defer cancel()
	cur, err := f.lab.state(lookCtx)
	if err != nil && ctx.Err() == nil && lookCtx.Err() != nil {
		err = fmt.Errorf("no answer within %s", f.readLimit)
	}
	return cur, err
}

// unread notes a failure to read the lab, and says so once it has lasted f.unreadable.
func (f *follower) unread(err error) {
	if f.unreadSince.IsZero() {
		f.unreadSince = time.Now()
	}
	if !f.saidUnread && time.Since(f.unreadSince) >= f.unreadable {
		fmt.Fprint(f.out, f.screen.Unreadable(err))
		f.saidUnread = true
	}
}
