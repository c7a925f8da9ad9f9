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

	"github.com/lvslab/lvslab/ipvsnl"
	"github.com/lvslab/lvslab/lab/vm"
	"github.com/lvslab/lvslab/tutorial"
)

// How often the tutorial looks at the lab, and after how long a learner on one step is shown the hints
// that wait for it.
const (
	tutorialPoll  = 500 * time.Millisecond
	tutorialStuck = 20 * time.Second
)

func newTutorialCommand() *cobra.Command {
	var langFlag string
	var check, reset bool
	cmd := &cobra.Command{
		Use:   "tutorial [nat|dr|tun] [--lang en|zh] [--reset] [--check]",
		Short: "Learn LVS by hand: the NAT course as steps you type, each checked against the kernel",
		Long: `Bring up the course's lab in the state the course starts from (for nat: the director's ip_forward at 0,
no IPVS rules) and show one step at a time: what to do and why, and the commands to type in another
terminal (lvslab shell director, lvslab exec client -- ...). Each step is checked against the lab's real
state — the kernel's IPVS table, sysctls, what the real servers served — so any correct way of doing it
passes; when it is done, the tutorial says what you should have seen and moves on. When the state shows
one of the course's classic mistakes (a real server added without -m, ip_forward still 0, the wrong VIP,
a weight on the wrong server, rules cleared but not restored), a hint says what is wrong and how to see it.
Type hint for the step's first hint, solve for the commands, quit to stop (progress is kept).

Courses: nat (the LVS NAT course, 11 steps), dr and tun (shorter follow-ups). Text in English or
Simplified Chinese: --lang, else $LANG. Where this kernel has no IPVS the lab lives in a microVM.
Progress survives a closed terminal; --reset takes the lab down and starts over; lvslab tutorial status
[--json] says which steps are done (for a teacher collecting a workshop's progress).

--check runs every step's solution itself, and makes every hint fire with the mistake it names: the
course tests itself (make test runs it).`,
		Example: `  sudo lvslab tutorial                 # the NAT course
  sudo lvslab tutorial --lang zh
  sudo lvslab shell director           # in a second terminal, from the same folder
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
				if ran, err := maybeInVM(cmd, nil); ran {
					return err
				}
				return checkCourses(cmd, courses)
			}
			if reset {
				if err := resetCourse(cmd, courses[0]); err != nil {
					return unusable(err)
				}
			}
			return runCourse(cmd, courses[0], lang)
		},
	}
	cmd.Flags().StringVar(&langFlag, "lang", "", "en or zh (default: from $LANG)")
	cmd.Flags().BoolVar(&check, "check", false, "run every step's solution and mistakes, and check that each step and hint fires")
	cmd.Flags().BoolVar(&reset, "reset", false, "take the course's lab down and start over")
	addVMFlag(cmd)
	cmd.AddCommand(newTutorialStatusCommand(), newTutorialSnapshotCommand())
	return cmd
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

func resetCourse(cmd *cobra.Command, c *tutorial.Course) error {
	removeProgress(c.Name)
	t, err := openTarget(c.Lab)
	if err != nil {
		return nil // no lab: nothing to take down
	}
	if t.inVM != nil {
		return t.inVM.Down(context.WithoutCancel(cmd.Context()))
	}
	return t.native.Down(context.WithoutCancel(cmd.Context()))
}

// tutorialInVM decides, by --vm, whether the course's lab lives in a microVM.
func tutorialInVM(cmd *cobra.Command) (bool, error) {
	mode, _ := cmd.Flags().GetString("vm")
	noIPVS := ipvsnl.Check() != nil && !vm.InGuest() && os.Getenv(inVMEnv) == ""
	switch mode {
	case "always":
		return true, nil
	case "auto":
		return noIPVS, nil
	case "never":
		if noIPVS {
			return false, errors.New("--vm=never, but this kernel has no IPVS, which the course needs: leave --vm out to run the lab in a microVM")
		}
		return false, nil
	}
	return false, fmt.Errorf("--vm=%s: want auto, always or never", mode)
}

// runCourse is the interactive tutorial: one step at a time, each checked against the lab until done.
func runCourse(cmd *cobra.Command, c *tutorial.Course, lang tutorial.Lang) error {
	w := cmd.OutOrStdout()
	ctx := cmd.Context()
	folder, _ := os.Getwd()
	inVM, err := tutorialInVM(cmd)
	if err != nil {
		return unusable(err)
	}
	p, err := loadProgress(c)
	if err != nil {
		return unusable(err)
	}
	fmt.Fprintf(w, "%s\n\n", c.Title.In(lang))
	cl, fresh, err := openCourseLab(ctx, w, cmd.ErrOrStderr(), c, c.Lab, folder, inVM)
	if err != nil {
		return unusable(err)
	}
	if fresh && len(p.Done) > 0 {
		fmt.Fprintln(w, say(lang, "The lab was gone and is new again: the course starts over.", "实验环境已经不在了,重新建好了:课程从头开始。"))
		p.Done = nil
	}
	p.Folder = folder
	if err := p.save(); err != nil {
		return unusable(err)
	}
	where := "lab " + c.Lab
	if cl.inVM != nil {
		where += say(lang, " (in a microVM)", "(在微虚拟机里)")
	}
	fmt.Fprintf(w, "%s\n%s\n\n", say(lang, where+" is ready. In a second terminal, from this folder ("+folder+"):",
		where+" 已经准备好了。在第二个终端里,进入本目录("+folder+")后执行:"), "    lvslab shell director")
	lines := readLines(cmd.InOrStdin())
	for i, s := range c.Steps {
		if p.done(s.ID) {
			continue
		}
		printStep(w, lang, c, i, s)
		if err := awaitStep(ctx, w, lang, cl, s, lines); err != nil {
			if errors.Is(err, errQuit) || ctx.Err() != nil {
				fmt.Fprintln(w, say(lang, "\nProgress kept: `lvslab tutorial "+c.Name+"` goes on from here; --reset starts over.",
					"\n进度已保存:再次执行 `lvslab tutorial "+c.Name+"` 从这里继续;--reset 从头开始。"))
				if ctx.Err() != nil {
					return nil
				}
				return nil
			}
			return unusable(err)
		}
		p.Done = append(p.Done, s.ID)
		if err := p.save(); err != nil {
			return unusable(err)
		}
	}
	fmt.Fprintln(w, say(lang, "\nEvery step done. `lvslab down "+c.Lab+"` takes the lab down.",
		"\n全部完成。`lvslab down "+c.Lab+"` 可以删除实验环境。"))
	return nil
}

var errQuit = errors.New("quit")

func say(lang tutorial.Lang, en, zh string) string { return tutorial.Text{En: en, Zh: zh}.In(lang) }

func printStep(w io.Writer, lang tutorial.Lang, c *tutorial.Course, i int, s *tutorial.Step) {
	header := fmt.Sprintf("Step %d/%d: %s", i+1, len(c.Steps), s.Title.In(lang))
	if lang == tutorial.Chinese {
		header = fmt.Sprintf("第 %d/%d 步:%s", i+1, len(c.Steps), s.Title.In(lang))
	}
	fmt.Fprintf(w, "── %s\n", header)
	fmt.Fprintf(w, "   %s\n", s.Why.In(lang))
	fmt.Fprintf(w, "   %s\n", say(lang, "On "+s.Host+" (lvslab shell "+s.Host+"), type:", "在 "+s.Host+" 上(lvslab shell "+s.Host+")执行:"))
	for _, t := range s.Type {
		fmt.Fprintf(w, "     %s\n", t)
	}
	fmt.Fprintf(w, "   %s\n", say(lang, "(here: hint, solve, quit)", "(在这里可以输入:hint 提示,solve 答案,quit 退出)"))
}

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

// awaitStep polls the lab until the step is done, showing each hint once when the state shows its
// mistake, and answering hint, solve and quit.
func awaitStep(ctx context.Context, w io.Writer, lang tutorial.Lang, cl *courseLab, s *tutorial.Step, lines <-chan string) error {
	start, err := cl.state(ctx)
	if err != nil {
		return err
	}
	began := time.Now()
	shown := map[string]bool{}
	tick := time.NewTicker(tutorialPoll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case line, ok := <-lines:
			if !ok {
				lines = nil // stdin closed: go on watching the lab
				continue
			}
			switch line {
			case "quit", "q", "exit":
				return errQuit
			case "hint", "h":
				if len(s.Hints) > 0 {
					fmt.Fprintf(w, "   hint: %s\n", s.Hints[0].Text.In(lang))
				} else {
					fmt.Fprintf(w, "   hint: %s\n", s.Why.In(lang))
				}
			case "solve", "s":
				fmt.Fprintf(w, "   %s\n", say(lang, "The commands, on "+s.Host+":", "在 "+s.Host+" 上执行:"))
				for _, t := range s.Type {
					fmt.Fprintf(w, "     %s\n", t)
				}
			}
		case <-tick.C:
			cur, err := cl.state(ctx)
			if err != nil {
				continue // a passing failure to read (a command running in the machine); look again
			}
			c := &tutorial.Context{Cur: cur, Start: start, Since: time.Since(began), StuckAfter: tutorialStuck}
			if s.Done(c) {
				fmt.Fprintf(w, "✔ %s\n\n", s.Seen.In(lang))
				return nil
			}
			for _, h := range s.Hints {
				if !shown[h.ID] && h.When(c) {
					shown[h.ID] = true
					fmt.Fprintf(w, "   hint: %s\n", h.Text.In(lang))
				}
			}
		}
	}
}

// checkCourses runs each course in a lab of its own: every mistake must make its hint fire, then every
// step's solution must make it done.
func checkCourses(cmd *cobra.Command, courses []*tutorial.Course) error {
	w := cmd.OutOrStdout()
	folder, err := os.MkdirTemp("", "lvslab-tutorial-check-")
	if err != nil {
		return unusable(err)
	}
	defer os.RemoveAll(folder)
	failures := 0
	for _, c := range courses {
		name := c.Lab + "-check"
		cl, _, err := openCourseLab(cmd.Context(), w, cmd.ErrOrStderr(), c, name, folder, false)
		if err != nil {
			return unusable(err)
		}
		failures += checkCourse(cmd.Context(), w, cl)
		if err := cl.native.Down(context.WithoutCancel(cmd.Context())); err != nil {
			return unusable(err)
		}
		os.Remove(folder + "/" + tutorial.SavedRules)
	}
	if failures > 0 {
		return failed(fmt.Errorf("%d checks of the tutorial failed", failures))
	}
	fmt.Fprintln(w, "every step and every hint of the tutorial fired")
	return nil
}

func checkCourse(ctx context.Context, w io.Writer, cl *courseLab) int {
	failures := 0
	for _, s := range cl.course.Steps {
		start, err := cl.state(ctx)
		if err != nil {
			fmt.Fprintf(w, "FAIL  %s/%s: reading the lab: %v\n", cl.course.Name, s.ID, err)
			return failures + 1
		}
		var fired []string
		for _, m := range s.Mistakes {
			if err := runAll(ctx, cl, m.Do); err != nil {
				fmt.Fprintf(w, "FAIL  %s/%s: mistake %s: %v\n", cl.course.Name, s.ID, m.Hint, err)
				failures++
				continue
			}
			h := s.Hint(m.Hint)
			ok := h != nil && awaitCheck(ctx, cl, start, func(c *tutorial.Context) bool { return h.When(c) })
			if !ok {
				fmt.Fprintf(w, "FAIL  %s/%s: the mistake for hint %s did not make it fire\n", cl.course.Name, s.ID, m.Hint)
				failures++
			} else {
				fired = append(fired, m.Hint)
			}
			if err := runAll(ctx, cl, m.Undo); err != nil {
				fmt.Fprintf(w, "FAIL  %s/%s: undoing mistake %s: %v\n", cl.course.Name, s.ID, m.Hint, err)
				failures++
			}
		}
		if err := runAll(ctx, cl, s.Solution); err != nil {
			fmt.Fprintf(w, "FAIL  %s/%s: the solution: %v\n", cl.course.Name, s.ID, err)
			return failures + 1
		}
		if !awaitCheck(ctx, cl, start, s.Done) {
			fmt.Fprintf(w, "FAIL  %s/%s: its solution did not make it done\n", cl.course.Name, s.ID)
			return failures + 1
		}
		// Done right, no hint may speak (but those that wait for a learner to be stuck).
		if cur, err := cl.state(ctx); err == nil {
			for _, h := range s.Hints {
				if h.When(&tutorial.Context{Cur: cur, Start: start, StuckAfter: time.Hour}) {
					fmt.Fprintf(w, "FAIL  %s/%s: hint %s fires although the step is done right\n", cl.course.Name, s.ID, h.ID)
					failures++
				}
			}
		}
		fmt.Fprintf(w, "ok    %s/%s (hints fired: %s)\n", cl.course.Name, s.ID, strings.Join(fired, ", "))
	}
	return failures
}

func runAll(ctx context.Context, cl *courseLab, actions []tutorial.Action) error {
	for _, a := range actions {
		if out, err := cl.run(ctx, a); err != nil && a.Argv[0] != "curl" { // a curl that hangs is the point of some mistakes
			return fmt.Errorf("%s on %s: %v %s", strings.Join(a.Argv, " "), a.Host, err, strings.TrimSpace(out))
		}
	}
	return nil
}

// awaitCheck polls the lab until check holds, within a deadline (IPVS's counters lag up to 2 s).
func awaitCheck(ctx context.Context, cl *courseLab, start tutorial.State, check func(*tutorial.Context) bool) bool {
	deadline := time.Now().Add(15 * time.Second)
	for {
		if cur, err := cl.state(ctx); err == nil && check(&tutorial.Context{Cur: cur, Start: start, StuckAfter: 0}) {
			return true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		t := time.NewTimer(100 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
	}
}

func newTutorialStatusCommand() *cobra.Command {
	var asJSON bool
	var langFlag string
	cmd := &cobra.Command{
		Use:   "status [nat|dr|tun] [--json] [--lang en|zh]",
		Short: "Which steps of a course are done on this machine",
		Args:  cobra.MaximumNArgs(1),
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
				Done    int          `json:"done"`
				Steps   int          `json:"steps"`
				Updated *time.Time   `json:"updated,omitempty"`
				List    []stepStatus `json:"list"`
			}
			host, _ := os.Hostname()
			var out []courseStatus
			for _, c := range courses {
				p, err := loadProgress(c)
				if err != nil {
					return unusable(err)
				}
				cs := courseStatus{Course: c.Name, Steps: len(c.Steps)}
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
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]any{"host": host, "courses": out})
			}
			for _, cs := range out {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %d of %d steps done\n", cs.Course, cs.Done, cs.Steps)
				for _, s := range cs.List {
					mark := " "
					if s.Done {
						mark = "✔"
					}
					fmt.Fprintf(cmd.OutOrStdout(), "  %s %s\n", mark, s.Title)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print it as JSON, with this machine's name")
	cmd.Flags().StringVar(&langFlag, "lang", "", "en or zh (default: from $LANG)")
	return cmd
}

// newTutorialSnapshotCommand prints a course lab's state as JSON: how a tutorial on the host reads a lab
// that lives in a microVM.
func newTutorialSnapshotCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:    "snapshot COURSE --lab NAME",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, _ := cmd.Flags().GetString("lab")
			t, err := openTarget(name)
			if err != nil {
				return unusable(err)
			}
			if t.native == nil {
				return unusable(errors.New("snapshot reads a lab on this kernel"))
			}
			st, err := nativeState(cmd.Context(), t.native)
			if err != nil {
				return unusable(err)
			}
			return json.NewEncoder(cmd.OutOrStdout()).Encode(st)
		},
	}
	addLabFlag(cmd)
	return cmd
}
