package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/lvslab/lvslab/internal/wait"
	"github.com/lvslab/lvslab/labtest"
	"github.com/lvslab/lvslab/tutorial"
)

// A learner follows the NAT course in a second terminal: each step's commands typed there (the course's
// classic mistakes on the way, whose hints must show: no -m, the wrong port, the table cleared before it
// is saved, with hint and solve asked), each step confirmed by the tutorial, from an empty table to the
// restored wrr table; the progress says so, and the rules file is in the learner's folder.
func TestTutorialFollowedInASecondTerminal(t *testing.T) {
	needMicroVM(t)
	followTutorial(t, tutorial.English, "")
}

// The same on a kernel with IPVS, the lab on it (make test runs this in the microVM), in Chinese and in a
// lab of the learner's own name.
func TestIPVSTutorialFollowedOnThisKernel(t *testing.T) {
	labtest.RequireIPVS(t)
	followTutorial(t, tutorial.Chinese, "learner2", "--vm=never")
}

// startTutorial starts lvslab with args in folder, its output gathered, its stdin a pipe; it is killed
// when the test ends, if it has not exited.
func startTutorial(t *testing.T, c *cli, folder string, args ...string) (*exec.Cmd, io.WriteCloser, *syncBuffer) {
	t.Helper()
	tut := c.command(args...)
	tut.Dir = folder
	tut.Env = append(tut.Env, "LANG=C", "LC_ALL=")
	stdin, err := tut.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	tut.Stdout, tut.Stderr = out, out
	if err := tut.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); tut.Process.Kill(); tut.Wait() })
	return tut, stdin, out
}

func followTutorial(t *testing.T, lang tutorial.Lang, name string, flags ...string) {
	c := newCLI(t)
	folder := t.TempDir()
	course, _ := tutorial.Find("nat")
	sc := tutorial.Screen{Lang: lang, Course: course, Lab: course.Lab}
	args := []string{"tutorial", "nat", "--lang", string(lang)}
	if name != "" {
		sc.Lab = name
		args = append(args, "--name", name)
	}
	t.Cleanup(func() { c.run("down", sc.Lab) })
	_, stdin, out := startTutorial(t, c, folder, append(args, flags...)...)
	shows := func(what string, times int, timeout time.Duration) {
		t.Helper()
		what = strings.TrimSpace(what)
		err := wait.Until(t.Context(), timeout, func() (bool, string) {
			return strings.Count(out.String(), what) >= times, fmt.Sprintf("the tutorial has not printed %d times: %s", times, what)
		})
		if err != nil {
			t.Fatalf("%v; it printed:\n%s", err, out.String())
		}
	}
	typeIn := func(a tutorial.Action) {
		t.Helper()
		cmd := c.command(append([]string{"exec", "--lab", sc.Lab, a.Host, "--"}, a.Argv...)...)
		if a.Fault != "" {
			cmd = c.command(append([]string{"fault", "--lab", sc.Lab}, strings.Fields(a.Fault)...)...)
		}
		cmd.Dir = folder
		if b, err := cmd.CombinedOutput(); err != nil && !a.Runs("curl") {
			t.Fatalf("%s: %v\n%s", a, err, b)
		}
	}
	mistake := func(s *tutorial.Step, hint string) tutorial.Mistake {
		for _, m := range s.Mistakes {
			if m.Hint == hint {
				return m
			}
		}
		t.Fatalf("step %s has no mistake for %s", s.ID, hint)
		return tutorial.Mistake{}
	}
	for i, s := range course.Steps {
		shows(strings.SplitN(sc.Step(i), "\n", 2)[0], 1, 2*time.Minute)
		switch s.ID {
		case "real-servers":
			for _, hint := range []string{"route-in-nat", "rs-wrong-port"} {
				m := mistake(s, hint)
				for _, a := range m.Do {
					typeIn(a)
				}
				shows(sc.Hint(s.Hint(hint)), 1, 30*time.Second)
				for _, a := range m.Undo {
					typeIn(a)
				}
			}
		case "server-dies":
			// rs2's server stopped, its weight left: the hint says the director still sends it connections.
			m := mistake(s, "dead-but-weighted")
			for _, a := range m.Do {
				typeIn(a)
			}
			shows(sc.Hint(s.Hint("dead-but-weighted")), 1, 30*time.Second)
			for _, a := range m.Undo {
				typeIn(a)
			}
		case "round-robin":
			fmt.Fprintln(stdin, "solve")
			shows(sc.Line(s.Type[0]), 2, 10*time.Second) // once in the step, once in the answer
		case "save":
			// ipvsadm -C typed before -S: the hint at once, again when asked; solve shows the way back.
			typeIn(tutorial.Action{Host: "director", Argv: []string{"ipvsadm", "-C"}})
			h := s.Hint("cleared-before-save")
			shows(sc.Hint(h), 1, 30*time.Second)
			fmt.Fprintln(stdin, "hint")
			shows(sc.Hint(h), 2, 10*time.Second)
			typeIn(tutorial.Action{Host: "director", Argv: []string{"sh", "-c", "ipvsadm -S -n > " + tutorial.SavedRules}})
			fmt.Fprintln(stdin, "solve")
			for _, fix := range h.Fix {
				shows(sc.Line(fix), 1, 10*time.Second)
				typeIn(tutorial.Action{Host: "director", Argv: strings.Fields(fix.Line)})
			}
			if strings.Contains(out.String(), strings.TrimSpace(sc.Done(s))) {
				t.Fatalf("the empty table saved did the save step:\n%s", out.String())
			}
		}
		for _, a := range s.Solution {
			typeIn(a)
		}
		shows(sc.Done(s), 1, time.Minute)
	}
	shows(sc.Finished(), 1, 10*time.Second)
	if _, err := os.Stat(folder + "/" + tutorial.SavedRules); err != nil {
		t.Errorf("the saved rules are not in the learner's folder: %v", err)
	}
	if lang == tutorial.Chinese {
		for _, english := range []string{"hint:", "Step ", "in another terminal", "on the director", "is ready", "Bringing up"} {
			if strings.Contains(out.String(), english) {
				t.Errorf("English %q in the Chinese tutorial:\n%s", english, out.String())
			}
		}
	}
	var status struct {
		Courses []struct {
			Course, Lab string
			Done, Steps int
		}
	}
	statusArgs := []string{"tutorial", "status", "nat", "--json"}
	if name != "" {
		statusArgs = append(statusArgs, "--name", name)
	}
	if err := json.Unmarshal([]byte(c.expect(0, statusArgs...)), &status); err != nil ||
		len(status.Courses) != 1 || status.Courses[0].Done != len(course.Steps) || status.Courses[0].Lab != sc.Lab {
		t.Errorf("tutorial status --json: %+v, %v", status, err)
	}
}

// --name is checked before anything boots; status and its progress are the named lab's, and in Chinese
// with --lang zh.
func TestTutorialNameAndStatus(t *testing.T) {
	c := newCLI(t)
	for _, bad := range []string{"../../t", "REL1", "a_b"} {
		out := c.expect(exitUnusable, "tutorial", "--name", bad)
		if !strings.Contains(out, "--name") || strings.Contains(out, "microVM") {
			t.Errorf("--name %s: %s", bad, out)
		}
	}
	if out := c.expect(exitUnusable, "tutorial", "--name", "REL1", "--lang", "zh"); !strings.Contains(out, "不能用作实验环境的名字") {
		t.Errorf("--name REL1 --lang zh: %s", out)
	}
	progress := filepath.Join(c.stateDir, "tutorial", "nat.alice.json")
	os.MkdirAll(filepath.Dir(progress), 0o700)
	os.WriteFile(progress, []byte(`{"course":"nat","lab":"alice","folder":"/tmp","done":["service","real-servers","forward"],"updated":"2025-01-01T00:00:00Z"}`), 0o600)
	if out := c.expect(0, "tutorial", "status", "nat", "--name", "alice", "--lang", "zh"); !strings.Contains(out, "nat (alice):共 12 步,已完成 3 步") || strings.Contains(out, "steps done") {
		t.Errorf("status --name alice --lang zh:\n%s", out)
	}
	if out := c.expect(0, "tutorial", "status", "nat", "--lang", "en"); !strings.Contains(out, "nat: 0 of 12 steps done") {
		t.Errorf("status of the course's own lab:\n%s", out)
	}
	// Where this laptop runs the lab, beside its progress, for a teacher's table of a room's laptops.
	var where struct {
		OS, Arch string
		Lab      struct {
			MicroVM     bool
			Arch, Accel string
		}
	}
	if err := json.Unmarshal([]byte(c.expect(0, "tutorial", "status", "--json")), &where); err != nil || where.OS != runtime.GOOS || where.Arch != runtime.GOARCH ||
		(where.Lab.MicroVM && (where.Lab.Arch == "" || where.Lab.Accel == "")) {
		t.Errorf("tutorial status --json: %+v, %v; want this machine's OS and architecture, and the microVM's architecture and accelerator where the lab goes in one", where, err)
	}
	if out := c.expect(exitUnusable, "tutorial", "--check", "--name", "alice"); !strings.Contains(out, "--check runs every step in labs of its own") {
		t.Errorf("--check --name: %s", out)
	}
}

// --from 7 starts the NAT course at the weights: the lab has rs3 removed and wrr set, the first six steps
// are done in the progress; a --from behind what the lab has done asks for --reset; a step the course
// does not have is refused before anything boots.
func TestTutorialFromAStep(t *testing.T) {
	needMicroVM(t)
	c := newCLI(t)
	course, _ := tutorial.Find("nat")
	for _, bad := range []string{"0", "13"} {
		if out := c.expect(exitUnusable, "tutorial", "--from", bad); !strings.Contains(out, "--from "+bad+": the nat course has steps 1 to 12") || strings.Contains(out, "microVM") {
			t.Errorf("--from %s: %s", bad, out)
		}
	}
	sc := tutorial.Screen{Lang: tutorial.English, Course: course, Lab: course.Lab}
	t.Cleanup(func() { c.run("down", sc.Lab) })
	tut, stdin, out := startTutorial(t, c, t.TempDir(), "tutorial", "--from", "7", "--lang", "en")
	step7 := strings.SplitN(sc.Step(6), "\n", 2)[0]
	if err := wait.Until(t.Context(), 3*time.Minute, func() (bool, string) {
		return strings.Contains(out.String(), step7), "the tutorial has not shown step 7"
	}); err != nil {
		t.Fatalf("%v; it printed:\n%s", err, out.String())
	}
	fmt.Fprintln(stdin, "quit")
	if err := tut.Wait(); err != nil {
		t.Fatalf("tutorial --from 7, then quit: %v\n%s", err, out.String())
	}
	for i := range 6 {
		if want := strings.TrimSpace(sc.SolvedForYou(i)); !strings.Contains(out.String(), want) {
			t.Errorf("the tutorial did not say %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), strings.SplitN(sc.Step(5), "\n", 2)[0]+"\n") {
		t.Errorf("--from 7 showed step 6 to the learner:\n%s", out.String())
	}
	table := c.expect(0, "exec", "--lab", sc.Lab, "director", "--", "ipvsadm", "-Ln")
	if !strings.Contains(table, "wrr") || !strings.Contains(table, "172.16.0.45:80") || strings.Contains(table, "172.16.0.65") {
		t.Errorf("--from 7: want wrr with rs3 removed, the director's table is:\n%s", table)
	}
	var status struct{ Courses []struct{ Done int } }
	if err := json.Unmarshal([]byte(c.expect(0, "tutorial", "status", "nat", "--json")), &status); err != nil || len(status.Courses) != 1 || status.Courses[0].Done != 6 {
		t.Errorf("tutorial status after --from 7: %+v, %v; want 6 steps done", status, err)
	}
	again := c.expect(exitUnusable, "tutorial", "--from", "3")
	if !strings.Contains(again, "step 3 (forward) is done already") || !strings.Contains(again, "--reset --from 3") {
		t.Errorf("--from 3 on a lab past step 3: %s", again)
	}
}
