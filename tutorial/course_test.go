package tutorial

import (
	"strings"
	"testing"
	"time"
)

// Every step says what to do and why in both languages, can be checked, and every mistake of --check
// names a hint of its step.
func TestCoursesAreComplete(t *testing.T) {
	for _, c := range Courses() {
		if c.Title.En == "" || c.Title.Zh == "" || c.Lab == "" || c.Topology == "" {
			t.Errorf("%s: title, lab or topology missing", c.Name)
		}
		ids := map[string]bool{}
		for _, s := range c.Steps {
			where := c.Name + "/" + s.ID
			if ids[s.ID] {
				t.Errorf("%s: two steps have this ID", where)
			}
			ids[s.ID] = true
			for name, text := range map[string]Text{"title": s.Title, "why": s.Why, "seen": s.Seen} {
				if text.En == "" || text.Zh == "" {
					t.Errorf("%s: %s lacks a language: %+v", where, name, text)
				}
			}
			if len(s.Type) == 0 || s.Done == nil || len(s.Solution) == 0 || s.Host == "" {
				t.Errorf("%s: no commands to type, no check, no solution or no host", where)
			}
			hints := map[string]bool{}
			for _, h := range s.Hints {
				if h.Text.En == "" || h.Text.Zh == "" || h.When == nil {
					t.Errorf("%s: hint %s is incomplete", where, h.ID)
				}
				if hints[h.ID] {
					t.Errorf("%s: two hints are %s", where, h.ID)
				}
				hints[h.ID] = true
				for _, c := range h.Fix {
					if (c.Note.En == "") != (c.Note.Zh == "") {
						t.Errorf("%s: hint %s: the note of %q lacks a language", where, h.ID, c.Line)
					}
				}
			}
			for _, c := range s.Type {
				if c.Line == "" || (c.Note.En == "") != (c.Note.Zh == "") {
					t.Errorf("%s: the command %q or its note lacks a language", where, c.Line)
				}
			}
			for _, m := range s.Mistakes {
				if s.Hint(m.Hint) == nil {
					t.Errorf("%s: mistake for hint %q, which the step does not have", where, m.Hint)
				}
			}
		}
	}
}

// The mistakes the course makes or invites each have a hint in the NAT course, and --check makes each of
// them.
func TestTheCoursesMistakesHaveHints(t *testing.T) {
	c, err := Find("nat")
	if err != nil {
		t.Fatal(err)
	}
	made := map[string]bool{}
	for _, s := range c.Steps {
		for _, m := range s.Mistakes {
			made[m.Hint] = true
		}
	}
	for _, id := range []string{"route-in-nat", "ip-forward-off", "wrong-vip", "weight-wrong-server", "cleared-not-restored",
		"rs-wrong-port", "cleared-before-save", "udp-service", "wrr-first"} {
		if !made[id] {
			t.Errorf("no hint %s, or --check does not make its mistake", id)
		}
	}
	if save := c.Step("save"); len(save.Races) == 0 {
		t.Error("--check does not race the save")
	}
}

func state(services ...Service) State {
	return State{Services: services, IPForward: "1", Served: map[string]Served{}}
}

func svc(sched string, dests ...Dest) Service {
	return Service{Key: vipKey, Scheduler: sched, Dests: dests}
}

func TestChecksReadTheState(t *testing.T) {
	c, _ := Find("nat")
	ctx := func(cur State) *Context { return &Context{Cur: cur, Start: state(), StuckAfter: time.Hour} }
	masq := func(addr string, w int) Dest { return Dest{Addr: addr, Method: "Masq", Weight: w} }

	service := c.Step("service")
	if service.Done(ctx(state())) || !service.Done(ctx(state(svc("rr")))) || service.Done(ctx(state(svc("wlc")))) {
		t.Error("the service step is not done exactly when the VIP's service is rr")
	}
	if !service.Hint("default-wlc").When(ctx(state(svc("wlc")))) {
		t.Error("no hint for a wlc service")
	}
	other := Service{Key: "-t 192.168.0.75:8080", Scheduler: "rr"}
	if !service.Hint("wrong-vip").When(ctx(state(other))) {
		t.Error("no hint for a service on another port")
	}

	rs := c.Step("real-servers")
	all := svc("rr", masq(rs1Addr, 1), masq(rs2Addr, 1), masq(rs3Addr, 1))
	if !rs.Done(ctx(state(all))) {
		t.Error("three Masq real servers: not done")
	}
	route := svc("rr", masq(rs1Addr, 1), masq(rs2Addr, 1), Dest{Addr: rs3Addr, Method: "Route", Weight: 1})
	if rs.Done(ctx(state(route))) || !rs.Hint("route-in-nat").When(ctx(state(route))) {
		t.Error("a Route real server: done, or no hint")
	}

	weights := c.Step("weights")
	swapped := svc("wrr", masq(rs1Addr, 1), masq(rs2Addr, 3))
	if weights.Done(ctx(state(swapped))) || !weights.Hint("weight-wrong-server").When(ctx(state(swapped))) {
		t.Error("weight 3 on rs2: done, or no hint")
	}
	if !weights.Done(ctx(state(svc("wrr", masq(rs1Addr, 3), masq(rs2Addr, 1))))) {
		t.Error("rs1 3, rs2 1: not done")
	}

	load := c.Step("load")
	split := func(a, b uint64) *Context {
		cur := state()
		cur.Served = map[string]Served{"rs1": {Connections: a}, "rs2": {Connections: b}}
		return &Context{Cur: cur, Start: state()}
	}
	if !load.Done(split(7500, 2500)) || load.Done(split(5000, 5000)) || load.Done(split(30, 10)) {
		t.Error("the load step is not done exactly at about 3:1 over enough connections")
	}

	restore := c.Step("restore")
	cleared := state()
	cleared.Saved = savedFile(courseRules)
	empty := &Context{Cur: cleared, Start: state(), Since: time.Minute, StuckAfter: 20 * time.Second}
	if !restore.Hint("cleared-not-restored").When(empty) {
		t.Error("an empty table for a minute: no hint")
	}
	empty.Since = time.Second
	if restore.Hint("cleared-not-restored").When(empty) {
		t.Error("an empty table for a second: a hint already")
	}
}

// courseRules is the table the course saves, as ipvsadm -S -n writes it.
const courseRules = "-A -t 192.168.0.75:80 -s wrr\n-a -t 192.168.0.75:80 -r 172.16.0.45:80 -m -w 3\n-a -t 192.168.0.75:80 -r 172.16.0.55:80 -m -w 1\n"

func savedFile(content string) *Saved { return ParseSaved(SavedRules, []byte(content)) }

func TestSavedRulesAreCompared(t *testing.T) {
	saved := ParseSaved("ipvs.rules", []byte("-A -t 192.168.0.75:80 -s wrr\n-a -t 192.168.0.75:80 -r 172.16.0.55:80 -m -w 1\n-a -t 192.168.0.75:80 -r 172.16.0.45:80 -m -w 3\n"))
	live := []Service{svc("wrr", Dest{Addr: rs1Addr, Method: "Masq", Weight: 3}, Dest{Addr: rs2Addr, Method: "Masq", Weight: 1})}
	if saved.Err != "" || !sameRules(saved.Services, live) {
		t.Errorf("saved %+v, live %+v: not the same", saved, live)
	}
	listing := ParseSaved("ipvs.rules", []byte("IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n"))
	if listing.Err == "" {
		t.Error("a listing read as rules")
	}
}

func TestLangFrom(t *testing.T) {
	for _, c := range []struct {
		flag, env string
		want      Lang
	}{
		{"", "zh_CN.UTF-8", Chinese}, {"", "en_US.UTF-8", English}, {"", "", English}, {"zh", "C", Chinese}, {"en", "zh_CN", English},
	} {
		if got, err := LangFrom(c.flag, c.env); err != nil || got != c.want {
			t.Errorf("LangFrom(%q, %q) = %q, %v", c.flag, c.env, got, err)
		}
	}
	if _, err := LangFrom("fr", ""); err == nil || !strings.Contains(err.Error(), "en or zh") {
		t.Errorf("--lang fr: %v", err)
	}
}

// The server-dies step is done once rs2's server is stopped and rs2 is out of rotation; a stopped rs2
// still weighted, or a drained rs2 still serving, each has its hint.
func TestServerDiesReadsTheServersState(t *testing.T) {
	c, _ := Find("nat")
	s := c.Step("server-dies")
	masq := func(addr string, w int) Dest { return Dest{Addr: addr, Method: "Masq", Weight: w} }
	at := func(rs2Weight int, rs2State string) *Context {
		cur := state(svc("wrr", masq(rs1Addr, 3), masq(rs2Addr, rs2Weight)))
		cur.Served = map[string]Served{"rs1": {Connections: 600}, "rs2": {State: rs2State}}
		return &Context{Cur: cur, Start: state(), StuckAfter: time.Hour}
	}
	for _, tc := range []struct {
		ctx  *Context
		done bool
		hint string
	}{
		{at(1, "serving"), false, ""},
		{at(1, serverStopped), false, "dead-but-weighted"},
		{at(0, "serving"), false, "drained-but-alive"},
		{at(0, serverStopped), true, ""},
	} {
		if got := s.Done(tc.ctx); got != tc.done {
			t.Errorf("%+v: done %v, want %v", tc.ctx.Cur.Served, got, tc.done)
		}
		for _, h := range []string{"dead-but-weighted", "drained-but-alive"} {
			if fired := s.Hint(h).When(tc.ctx); fired != (h == tc.hint) {
				t.Errorf("%+v, rs2 weight %d: hint %s fired %v", tc.ctx.Cur.Served, tc.ctx.Cur.Services[0].Dests[1].Weight, h, fired)
			}
		}
	}
}
