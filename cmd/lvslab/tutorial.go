package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lvslab/lvslab/labs"
	"github.com/lvslab/lvslab/topology"
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

func newTutorialCommand() *cobra.Command {
	var langFlag, name string
	var check, reset bool
	cmd := &cobra.Command{
		Use:   "tutorial [nat|dr|tun] [--name NAME] [--lang en|zh] [--reset] [--check]",
		Short: "Learn LVS by hand: the NAT course as steps you type, each checked against the kernel",
		Long: `Bring up the course's lab in the state the course starts from (for nat: the director's ip_forward at 0,
no IPVS rules) and show one step at a time: what to do and why, and the commands to type in another
terminal (lvslab shell director, lvslab exec client -- ...). Each step is checked against the lab's real
state — the kernel's IPVS table, sysctls, what the real servers served, the rules file you saved — so
any correct way of doing it passes; when it is done, the tutorial says what you should have seen and
moves on. When the state shows one of the course's classic mistakes (a real server added without -m or
on the wrong port, ip_forward still 0, the wrong VIP, a UDP service, wrr before rr, a weight on the
wrong server, the table cleared before it was saved, rules cleared but not restored), a hint says what
is wrong and how to see it. A rules file is judged only once the command writing it has finished.
Type hint for what the lab shows wrong now, solve for the commands (and the way back, when a step's
work was undone), quit to stop (progress is kept).

Courses: nat (the LVS NAT course, 11 steps), dr and tun (shorter follow-ups). Text in English or
Simplified Chinese: --lang, else $LANG. Where this kernel has no IPVS the lab lives in a microVM.
The lab is named after the course (nat-tutorial); --name gives it another name, so that several
learners on one machine each have a lab and progress of their own (the commands shown then carry
--lab NAME). Progress survives a closed terminal; --reset takes the lab down and starts over; lvslab
tutorial status [--name NAME] [--json] says which steps are done (for a teacher collecting a
workshop's progress).

--check runs every step's solution itself, makes every hint fire with the mistake it names, and widens
the race of a rules file created empty before it is written: the course tests itself (make test runs it).`,
		Example: `  sudo lvslab tutorial                 # the NAT course
  sudo lvslab tutorial --lang zh
  sudo lvslab shell director           # in a second terminal, from the same folder
  sudo lvslab tutorial --name alice    # a second learner on the same machine: a lab of her own
  sudo lvslab shell --lab alice director
  sudo lvslab tutorial status --json
  sudo lvslab tutorial --check`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			lang, err := tutorial.LangFrom(langFlag, firstEnv("LC_ALL", "LANG"))
			if err != nil {
				return unusable(err)
			}
			courses, err := selectCourses(args, check)
			if err != nil {
				return unusable(err)
			}
			if check {
				if cmd.Flags().Changed("name") || reset {
					return unusable(errors.New("--check runs in labs of its own: leave out --name and --reset"))
				}
				if ran, err := maybeInVM(cmd, args, nil); ran {
					return err
				}
				return checkCourses(cmd, courses)
			}
			sc, err := courseScreen(cmd, courses[0], lang, name)
			if err != nil {
				return unusable(err)
			}
			if reset {
				if err := resetCourse(cmd, sc); err != nil {
					return unusable(err)
				}
			}
			return runCourse(cmd, sc)
		},
	}
	cmd.Flags().StringVar(&langFlag, "lang", "", "en or zh (default: from $LANG)")
	cmd.Flags().StringVar(&name, "name", "", "the lab's name, and its progress's (default: the course's lab, nat-tutorial)")
	cmd.Flags().BoolVar(&check, "check", false, "run every step's solution and mistakes, and check that each step and hint fires")
	cmd.Flags().BoolVar(&reset, "reset", false, "take the course's lab down and start over")
	addVMFlag(cmd)
	cmd.AddCommand(newTutorialStatusCommand(), newTutorialSnapshotCommand())
	return cmd
}

// courseScreen is the screen of a course's lab: named by --name (checked here, before anything boots),
// else the course's own.
func courseScreen(cmd *cobra.Command, c *tutorial.Course, lang tutorial.Lang, name string) (tutorial.Screen, error) {
	sc := tutorial.Screen{Lang: lang, Course: c, Lab: c.Lab}
	if !cmd.Flags().Changed("name") {
		return sc, nil
	}
	sc.Lab = name
	if err := topology.ValidateName(name); err != nil {
		return sc, errors.New(sc.BadName(err))
	}
	return sc, nil
}

func firstEnv(keys ...string) string {
	for _, k := range keys {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return ""
}

// selectCourses is the course named, nat by default, or for --check every course when none is named.
func selectCourses(args []string, all bool) ([]*tutorial.Course, error) {
	if len(args) == 0 && all {
		return tutorial.Courses(), nil
	}
	name := "nat"
	if len(args) == 1 {
		name = args[0]
	}
	c, err := tutorial.Find(name)
	if err != nil {
		return nil, err
	}
	return []*tutorial.Course{c}, nil
}

func resetCourse(cmd *cobra.Command, sc tutorial.Screen) error {
	removeProgress(sc.Course, sc.Lab)
	l, err := openLab(sc.Lab)
	if err != nil {
		return nil // no lab: nothing to take down
	}
	return l.Down(context.WithoutCancel(cmd.Context()))
}

// tutorialInVM decides, by --vm, whether the course's lab lives in a microVM.
func tutorialInVM(cmd *cobra.Command) (bool, error) {
	d, err := decide(cmd, labs.Needs{IPVS: true})
	if d.WithoutIPVS {
		return false, errors.New("--vm=never, but this kernel has no IPVS, which the course needs: leave --vm out to run the lab in a microVM")
	}
	return d.InVM, err
}

// runCourse is the interactive tutorial: one step at a time, each checked against the lab until done.
func runCourse(cmd *cobra.Command, sc tutorial.Screen) error {
	w := cmd.OutOrStdout()
	ctx := cmd.Context()
	c := sc.Course
	folder, _ := os.Getwd()
	inVM, err := tutorialInVM(cmd)
	if err != nil {
		return unusable(err)
	}
	p, err := loadProgress(c, sc.Lab)
	if err != nil {
		return unusable(err)
	}
	fmt.Fprint(w, sc.Title())
	cl, fresh, err := openCourseLab(ctx, w, cmd.ErrOrStderr(), sc, folder, inVM)
	if err != nil {
		return unusable(err)
	}
	if fresh && len(p.Done) > 0 {
		fmt.Fprint(w, sc.StartedOver())
		p.Done = nil
	}
	p.Folder = folder
	if err := p.save(); err != nil {
		return unusable(err)
	}
	_, inVMLab := cl.lab.(labs.InVM)
	fmt.Fprint(w, sc.Ready(inVMLab, folder))
	f := follower{out: w, screen: sc, lab: cl, lines: readLines(cmd.InOrStdin()), poll: tutorialPoll, stuck: tutorialStuck,
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
			return unusable(err)
		}
		p.Done = append(p.Done, s.ID)
		if err := p.save(); err != nil {
			return unusable(err)
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

func newTutorialStatusCommand() *cobra.Command {
	var asJSON bool
	var langFlag, name string
	cmd := &cobra.Command{
		Use:   "status [nat|dr|tun] [--name NAME] [--json] [--lang en|zh]",
		Short: "Which steps of a course are done on this machine",
		Example: `  lvslab tutorial status
  lvslab tutorial status nat --name alice --lang zh
  lvslab tutorial status --json        # with this machine's name, for a teacher`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			courses, err := selectCourses(args, len(args) == 0)
			if err != nil {
				return unusable(err)
			}
			lang, err := tutorial.LangFrom(langFlag, firstEnv("LC_ALL", "LANG"))
			if err != nil {
				return unusable(err)
			}
			type stepStatus struct {
				ID    string `json:"id"`
				Title string `json:"title"`
				Done  bool   `json:"done"`
			}
			type courseStatus struct {
				Course  string       `json:"course"`
				Lab     string       `json:"lab"`
				Done    int          `json:"done"`
				Steps   int          `json:"steps"`
				Updated *time.Time   `json:"updated,omitempty"`
				List    []stepStatus `json:"list"`
			}
			host, _ := os.Hostname()
			var out []courseStatus
			var text strings.Builder
			for _, c := range courses {
				sc, err := courseScreen(cmd, c, lang, name)
				if err != nil {
					return unusable(err)
				}
				p, err := loadProgress(c, sc.Lab)
				if err != nil {
					return unusable(err)
				}
				cs := courseStatus{Course: c.Name, Lab: sc.Lab, Steps: len(c.Steps)}
				if !p.Updated.IsZero() {
					cs.Updated = &p.Updated
				}
				for _, s := range c.Steps {
					cs.List = append(cs.List, stepStatus{ID: s.ID, Title: s.Title.In(lang), Done: p.done(s.ID)})
					if p.done(s.ID) {
						cs.Done++
					}
				}
				out = append(out, cs)
				text.WriteString(sc.Status(p.done))
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]any{"host": host, "courses": out})
			}
			fmt.Fprint(cmd.OutOrStdout(), text.String())
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print it as JSON, with this machine's name")
	cmd.Flags().StringVar(&langFlag, "lang", "", "en or zh (default: from $LANG)")
	cmd.Flags().StringVar(&name, "name", "", "the lab's name given to lvslab tutorial --name (default: the course's own)")
	return cmd
}

// newTutorialSnapshotCommand prints a course lab's state as JSON: how a tutorial on the host reads a lab
// that lives in a microVM (and whether a process there holds the rules file open for writing).
func newTutorialSnapshotCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:    "snapshot COURSE --lab NAME [--saved PATH]",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, _ := cmd.Flags().GetString("lab")
			saved, _ := cmd.Flags().GetString("saved")
			l, err := openLab(name)
			if err != nil {
				return unusable(err)
			}
			native, ok := l.(labs.Native)
			if !ok {
				return unusable(errors.New("snapshot reads a lab on this kernel"))
			}
			snap, err := nativeSnapshot(cmd.Context(), native.Lab, saved)
			if err != nil {
				return unusable(err)
			}
			return json.NewEncoder(cmd.OutOrStdout()).Encode(snap)
		},
	}
	addLabFlag(cmd)
	cmd.Flags().String("saved", "", "the rules file whose writers to look for")
	return cmd
}
