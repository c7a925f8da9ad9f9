package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lvslab/lvslab/internal/wait"
	"github.com/lvslab/lvslab/labtest"
	"github.com/lvslab/lvslab/tutorial"
)

// A learner follows the NAT course in a second terminal: each step's commands typed there (one mistake on
// the way, whose hint must show), each step confirmed by the tutorial, from an empty table to the
// restored wrr table; the progress says so, and the rules file is in the learner's folder.
func TestTutorialFollowedInASecondTerminal(t *testing.T) {
	needMicroVM(t)
	followTutorial(t)
}

// The same on a kernel with IPVS, the lab on it (make test runs this in the microVM).
func TestIPVSTutorialFollowedOnThisKernel(t *testing.T) {
	labtest.RequireIPVS(t)
	followTutorial(t, "--vm=never")
}

func followTutorial(t *testing.T, flags ...string) {
	c := newCLI(t)
	folder := t.TempDir()
	course, _ := tutorial.Find("nat")
	t.Cleanup(func() { c.run("down", course.Lab) })
	tut := c.command(append([]string{"tutorial", "nat"}, flags...)...)
	tut.Dir = folder
	tut.Env = append(tut.Env, "LANG=C", "LC_ALL=")
	stdin, _ := tut.StdinPipe()
	out := &syncBuffer{}
	tut.Stdout, tut.Stderr = out, out
	if err := tut.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); tut.Process.Kill(); tut.Wait() }()
	shows := func(what string, timeout time.Duration) {
		t.Helper()
		err := wait.Until(t.Context(), timeout, func() (bool, string) {
			return strings.Contains(out.String(), what), "the tutorial has not printed " + what
		})
		if err != nil {
			t.Fatalf("%v; it printed:\n%s", err, out.String())
		}
	}
	typeIn := func(a tutorial.Action) {
		t.Helper()
		cmd := c.command(append([]string{"exec", "--lab", course.Lab, a.Host, "--"}, a.Argv...)...)
		cmd.Dir = folder
		if b, err := cmd.CombinedOutput(); err != nil && a.Argv[0] != "curl" {
			t.Fatalf("%s: %v\n%s", strings.Join(a.Argv, " "), err, b)
		}
	}
	for i, s := range course.Steps {
		shows(fmt.Sprintf("── Step %d/%d: %s", i+1, len(course.Steps), s.Title.En), 2*time.Minute)
		if s.ID == "real-servers" {
			m := s.Mistakes[0]
			for _, a := range m.Do {
				typeIn(a)
			}
			shows("hint: "+s.Hint(m.Hint).Text.En, 30*time.Second)
			for _, a := range m.Undo {
				typeIn(a)
			}
		}
		if s.ID == "round-robin" {
			fmt.Fprintln(stdin, "solve")
			shows("The commands, on client:", 10*time.Second)
		}
		for _, a := range s.Solution {
			typeIn(a)
		}
		shows("✔ "+s.Seen.En, time.Minute)
	}
	shows("Every step done.", 10*time.Second)
	if _, err := os.Stat(folder + "/" + tutorial.SavedRules); err != nil {
		t.Errorf("the saved rules are not in the learner's folder: %v", err)
	}
	var status struct {
		Courses []struct {
			Course      string
			Done, Steps int
		}
	}
	if err := json.Unmarshal([]byte(c.expect(0, "tutorial", "status", "nat", "--json")), &status); err != nil ||
		len(status.Courses) != 1 || status.Courses[0].Done != len(course.Steps) {
		t.Errorf("tutorial status --json: %+v, %v", status, err)
	}
}
