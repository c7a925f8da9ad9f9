package runner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lvslab/lvslab/internal/syncbuf"
	"github.com/lvslab/lvslab/internal/wait"
	"github.com/lvslab/lvslab/tutorial"
)

// The course's table, as the director holds it at the save step.
var savedTable = []tutorial.Service{{Key: "-t 192.168.0.75:80", Scheduler: "wrr", Dests: []tutorial.Dest{
	{Addr: "172.16.0.45:80", Method: "Masq", Weight: 3}, {Addr: "172.16.0.55:80", Method: "Masq", Weight: 1},
}}}

const savedTableRules = "-A -t 192.168.0.75:80 -s wrr\n-a -t 192.168.0.75:80 -r 172.16.0.45:80 -m -w 3\n-a -t 192.168.0.75:80 -r 172.16.0.55:80 -m -w 1\n"

// tableLab is a lab whose table is the course's; its rules file is real, read as the tutorial reads it.
// between runs in each look's window, after the file is read and before it is settled.
type tableLab struct {
	path    string
	looks   atomic.Int32
	between func(look int32)
}

func (l *tableLab) state(context.Context) (tutorial.State, error) {
	return judgedState(l.path, func() (LabSnapshot, error) {
		n := l.looks.Add(1)
		if l.between != nil {
			l.between(n)
		}
		return LabSnapshot{State: tutorial.State{Services: savedTable, IPForward: "1"}}, nil
	})
}

// followSave runs the save step against lab, as the tutorial does, looking every 5 ms; done is closed with
// its end.
func followSave(t *testing.T, lab labReader) (*syncbuf.Buffer, <-chan error) {
	t.Helper()
	return followSaveWith(t, lab, time.Minute, 0)
}

// followSaveWith is followSave with a bound on each look and how long the lab may go unread unsaid.
func followSaveWith(t *testing.T, lab labReader, readLimit, unreadable time.Duration) (*syncbuf.Buffer, <-chan error) {
	t.Helper()
	course, _ := tutorial.Find("nat")
	out := &syncbuf.Buffer{}
	f := follower{out: out, screen: tutorial.Screen{Lang: tutorial.English, Course: course, Lab: course.Lab}, lab: lab,
		poll: 5 * time.Millisecond, stuck: time.Hour, readLimit: readLimit, unreadable: unreadable}
	done := make(chan error, 1)
	go func() { done <- f.await(t.Context(), course.Step("save")) }()
	return out, done
}

func finished(t *testing.T, out *syncbuf.Buffer, done <-chan error) {
	t.Helper()
	awaitDone(t, out, done)
	if got := out.String(); strings.Contains(got, "hint:") || !strings.Contains(got, "✔") {
		t.Errorf("the tutorial printed:\n%s", got)
	}
}

// awaitDone waits up to 10 s for the followed step to end, and fails the test if it ended in an error.
func awaitDone(t *testing.T, out *syncbuf.Buffer, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("the save step is not done; the tutorial printed:\n%s", out.String())
	}
}

// The shell's `ipvsadm -S -n > ipvs.rules` creates the file empty and holds it while ipvsadm runs:
// the tutorial looks many times in that window (widened here: the test holds it) and judges nothing,
// then finds the step done once the file is written and closed.
func TestTutorialDoesNotJudgeARulesFileHeldForWriting(t *testing.T) {
	lab := &tableLab{path: filepath.Join(t.TempDir(), tutorial.SavedRules)}
	shell, err := os.Create(lab.path)
	if err != nil {
		t.Fatal(err)
	}
	out, done := followSave(t, lab)
	if err := wait.Until(t.Context(), 10*time.Second, func() (bool, string) {
		return lab.looks.Load() >= 20, "the tutorial has not looked 20 times"
	}); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); strings.Contains(got, "hint:") || strings.Contains(got, "✔") {
		t.Fatalf("the file in the writing was judged:\n%s", got)
	}
	shell.WriteString(savedTableRules)
	shell.Close()
	finished(t, out, done)
}

// A file written and closed between the tutorial's read of it and its look for writers is not the
// file it read: not judged either (the empty content it read is not taken for the file).
func TestTutorialDoesNotJudgeARulesFileWrittenWhileItLooked(t *testing.T) {
	lab := &tableLab{path: filepath.Join(t.TempDir(), tutorial.SavedRules)}
	shell, err := os.Create(lab.path)
	if err != nil {
		t.Fatal(err)
	}
	lab.between = func(look int32) {
		if look == 10 {
			shell.WriteString(savedTableRules)
			shell.Close()
		}
	}
	out, done := followSave(t, lab)
	finished(t, out, done)
}

// faultyLab is the course's table, but while faulty a look at it fails at once or, hanging, waits until
// it is given up.
type faultyLab struct {
	tableLab
	hangs  bool
	faulty atomic.Bool
}

func (l *faultyLab) state(ctx context.Context) (tutorial.State, error) {
	if !l.faulty.Load() {
		return l.tableLab.state(ctx)
	}
	l.looks.Add(1)
	if l.hangs {
		<-ctx.Done()
		return tutorial.State{}, ctx.Err()
	}
	return tutorial.State{}, errors.New("the machine's agent: connection reset by peer")
}

// A lab that cannot be read for a while (a look fails, or hangs until it is given up: a machine that
// stopped answering) is said to be, once, with why; the tutorial goes on looking, and carries on when it
// can read the lab again.
func TestTutorialSaysWhenItCannotReadTheLab(t *testing.T) {
	for _, c := range []struct {
		name  string
		hangs bool
		said  string
	}{
		{"a look fails", false, "lvslab cannot read the lab's state (the machine's agent: connection reset by peer); it keeps trying."},
		{"a look hangs", true, "lvslab cannot read the lab's state (no answer within 20ms); it keeps trying."},
	} {
		t.Run(c.name, func(t *testing.T) {
			lab := &faultyLab{tableLab: tableLab{path: filepath.Join(t.TempDir(), tutorial.SavedRules)}, hangs: c.hangs}
			lab.between = func(look int32) { // the first look, which starts the step, reads the lab; the next are faulty
				if look == 1 {
					lab.faulty.Store(true)
				}
			}
			out, done := followSaveWith(t, lab, 20*time.Millisecond, 50*time.Millisecond)
			if err := wait.Until(t.Context(), 10*time.Second, func() (bool, string) {
				return strings.Contains(out.String(), c.said) && lab.looks.Load() > 5, "the tutorial has not said why it cannot read the lab"
			}); err != nil {
				t.Fatalf("%v; it printed:\n%s", err, out.String())
			}
			if err := os.WriteFile(lab.path, []byte(savedTableRules), 0o644); err != nil {
				t.Fatal(err)
			}
			lab.faulty.Store(false)
			awaitDone(t, out, done)
			if n := strings.Count(out.String(), c.said); n != 1 {
				t.Errorf("said %d times that it cannot read the lab, want once:\n%s", n, out.String())
			}
		})
	}
}
