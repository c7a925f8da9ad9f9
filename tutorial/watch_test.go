package tutorial

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func ids(hints []*Hint) []string {
	var out []string
	for _, h := range hints {
		out = append(out, h.ID)
	}
	return out
}

func masq(addr string, w int) Dest { return Dest{Addr: addr, Method: "Masq", Weight: w} }

func nat(t *testing.T) (*Course, Screen) {
	t.Helper()
	c, err := Find("nat")
	if err != nil {
		t.Fatal(err)
	}
	return c, Screen{Lang: English, Course: c, Lab: c.Lab}
}

// Step 2 with -r 172.16.0.45:8080 -m: the wrong port is named at the first look, and `hint` says so
// (not that a real server is not Masq, which it is).
func TestWrongRealServerPortIsNamed(t *testing.T) {
	c, sc := nat(t)
	s := c.Step("real-servers")
	w := NewWatch(s, state(svc("rr")), 20*time.Second)
	done, show := w.Look(state(svc("rr", masq("172.16.0.45:8080", 1))), 500*time.Millisecond)
	if done || !slices.Equal(ids(show), []string{"rs-wrong-port"}) {
		t.Fatalf("done %v, hints shown %v; want the wrong port's hint alone", done, ids(show))
	}
	asked := sc.Asked(w)
	if !strings.Contains(asked, "port other than 80") || strings.Contains(asked, routeHint.Text.En) {
		t.Errorf("hint answers:\n%s", asked)
	}
	// Before any real server is there, hint says nothing is wrong, and what the step waits for.
	w = NewWatch(s, state(svc("rr")), 20*time.Second)
	if asked := sc.Asked(w); !strings.Contains(asked, "nothing in the lab looks wrong yet") || strings.Contains(asked, "Masq:") {
		t.Errorf("hint with nothing wrong answers:\n%s", asked)
	}
}

// Step 9 with ipvsadm -C typed before -S: the emptied table is named at once, hint speaks of no file
// that is not there, solve shows the way back; saving the empty table does not do the step; building the
// table again and saving it does.
func TestClearedBeforeSaveIsNamedAndNeverDone(t *testing.T) {
	c, sc := nat(t)
	save := c.Step("save")
	table := state(courseTable)
	table.Saved = &Saved{Path: SavedRules}
	w := NewWatch(save, table, 20*time.Second)

	cleared := state()
	cleared.Saved = &Saved{Path: SavedRules}
	done, show := w.Look(cleared, time.Second)
	if done || !slices.Equal(ids(show), []string{"cleared-before-save"}) {
		t.Fatalf("-C before -S: done %v, hints shown %v", done, ids(show))
	}
	if asked := sc.Asked(w); strings.Contains(asked, "is there") || !strings.Contains(asked, "cleared") {
		t.Errorf("hint answers:\n%s", asked)
	}
	solve := sc.Solve(w)
	fix, saveLine := strings.Index(solve, "ipvsadm -A -t 192.168.0.75:80 -s wrr"), strings.Index(solve, "ipvsadm -S -n > ipvs.rules")
	if fix < 0 || saveLine < fix || !strings.Contains(solve, "-r 172.16.0.45 -m -w 3") {
		t.Errorf("solve answers:\n%s", solve)
	}

	cleared.Saved = savedFile("") // ipvsadm -S -n > ipvs.rules of the empty table: 0 bytes
	if done, _ := w.Look(cleared, 2*time.Second); done || !slices.Equal(ids(w.Hints(true)), []string{"cleared-before-save"}) {
		t.Errorf("the empty table saved: done %v, hints %v", done, ids(w.Hints(true)))
	}
	rulesOnly := savedFile("-A -t 192.168.0.75:80 -s wrr\n") // the service without its real servers
	if save.Done(&Context{Cur: State{Services: []Service{courseTable}, Saved: rulesOnly}}) {
		t.Error("a file with the service but no -a line: done")
	}

	rebuilt := state(courseTable)
	rebuilt.Saved = savedFile(courseRules)
	if done, _ := w.Look(rebuilt, 3*time.Second); !done {
		t.Error("the table built again and saved: not done")
	}
}

// A rules file caught in the writing (the shell created it empty, ipvsadm has not written it yet) is
// not judged: no hint, not done, however many looks; once complete, the step is done with no hint
// shown on the way. A file that stays in the writing past the stuck time gets a hint saying so.
func TestRulesFileInTheWritingIsNotJudged(t *testing.T) {
	c, sc := nat(t)
	save := c.Step("save")
	table := state(courseTable)
	table.Saved = &Saved{Path: SavedRules}
	w := NewWatch(save, table, 20*time.Second)
	writing := state(courseTable)
	writing.Saved = &Saved{Path: SavedRules, Exists: true, Writing: true}
	for i := range 10 {
		if done, show := w.Look(writing, time.Duration(i)*500*time.Millisecond); done || len(show) > 0 {
			t.Fatalf("look %d at a file in the writing: done %v, hints %v", i, done, ids(show))
		}
	}
	if h := w.Hints(false); len(h) > 0 {
		t.Errorf("hints hold for a file in the writing: %v", ids(h))
	}
	complete := state(courseTable)
	complete.Saved = savedFile(courseRules)
	if done, show := w.Look(complete, 5*time.Second); !done || len(show) > 0 {
		t.Errorf("the complete file: done %v, hints %v", done, ids(show))
	}

	w = NewWatch(save, table, 20*time.Second)
	w.Look(writing, time.Second)
	if _, show := w.Look(writing, 22*time.Second); !slices.Equal(ids(show), []string{"saved-busy"}) {
		t.Errorf("a file in the writing for 21 s: hints %v", ids(show))
	}
	if asked := sc.Asked(w); !strings.Contains(asked, "still being written") {
		t.Errorf("hint answers:\n%s", asked)
	}

	// At the clear step, a file rewritten (in the writing) is not taken for lost.
	clear := c.Step("clear")
	good := state(courseTable)
	good.Saved = savedFile(courseRules)
	w = NewWatch(clear, good, 20*time.Second)
	if _, show := w.Look(writing, time.Second); len(show) > 0 {
		t.Errorf("clear step, the file in the writing: hints %v", ids(show))
	}
}

// A UDP service on the VIP gets a hint that says it is UDP, and only that one; -s wrr at step 1 gets
// a hint of its own, which does not hand over the command.
func TestUDPAndWrrAtStepOne(t *testing.T) {
	for _, name := range []string{"nat", "dr", "tun"} {
		c, _ := Find(name)
		s := c.Step("service")
		udp := state(Service{Key: "-u 192.168.0.75:80", Scheduler: "rr"})
		w := NewWatch(s, state(), 20*time.Second)
		if _, show := w.Look(udp, time.Second); !slices.Equal(ids(show), []string{"udp-service"}) {
			t.Errorf("%s: a UDP service: hints %v", name, ids(show))
		}
		w = NewWatch(s, state(), 20*time.Second)
		if _, show := w.Look(state(svc("wrr")), time.Second); !slices.Equal(ids(show), []string{"wrr-first"}) {
			t.Errorf("%s: -s wrr: hints %v", name, ids(show))
		}
	}
	c, _ := nat(t)
	for _, lang := range []Lang{English, Chinese} {
		if text := c.Step("service").Hint("wrr-first").Text.In(lang); strings.Contains(text, "-s rr") || strings.Contains(text, "-E -t") {
			t.Errorf("the wrr hint hands over the command: %s", text)
		}
		if text := udpServiceHint.Text.In(lang); !strings.Contains(text, "UDP") || !strings.Contains(text, "TCP") {
			t.Errorf("the UDP hint does not say UDP and TCP: %s", text)
		}
	}
}

// The load step's split counts from the table's last change: ab run against a wrong table, then the
// table set right and ab run again, is done.
func TestSplitCountsFromTheTablesLastChange(t *testing.T) {
	c, _ := nat(t)
	load := c.Step("load")
	served := func(st State, a, b uint64) State {
		st.Served = map[string]Served{"rs1": {Connections: a}, "rs2": {Connections: b}}
		return st
	}
	rr := served(state(svc("rr", masq(rs1Addr, 3), masq(rs2Addr, 1))), 0, 0)
	w := NewWatch(load, rr, 20*time.Second)
	w.Look(served(rr, 5000, 5000), time.Second) // ab under rr: 1:1
	right := served(state(courseTable), 5000, 5000)
	if done, _ := w.Look(right, 2*time.Second); done {
		t.Fatal("done before any load on the right table")
	}
	if done, _ := w.Look(served(right, 12500, 7500), 3*time.Second); !done {
		t.Error("7500:2500 since the table was set right: not done")
	}
}
