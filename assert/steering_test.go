package assert

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/assert/model"
)

// heldOpen turns a sequence of picks into decisions: every connection
// stays open, so the chosen server gains one active connection.
func heldOpen(list []ServerState, picks []string) []Decision {
	servers := slices.Clone(list)
	var ds []Decision
	for _, p := range picks {
		ds = append(ds, Decision{Servers: slices.Clone(servers), Chosen: p})
		for i := range servers {
			if servers[i].Name == p {
				servers[i].Active++
			}
		}
	}
	return ds
}

// A=1, B=4, C=6 in the two list orders of ipvs-reference.md §3.
var (
	listABC = []ServerState{{Name: "A", Weight: 1}, {Name: "B", Weight: 4}, {Name: "C", Weight: 6}}
	listCBA = []ServerState{{Name: "C", Weight: 6}, {Name: "B", Weight: 4}, {Name: "A", Weight: 1}}
)

func TestSteeringReferenceSequences(t *testing.T) {
	tests := []struct {
		scheduler string
		list      []ServerState
		picks     string
		ties      TieBreak
		pass      bool
	}{
		{"lc", listABC, "A B C A B C A B C A B C", KernelOrder, true},
		{"lc", listCBA, "C B A C B A C B A C B A", KernelOrder, true},
		{"lc", listABC, "C B A C B A C B A C B A", KernelOrder, false}, // ties go to the first in list
		{"lc", listABC, "C B A C B A C B A C B A", AnyTied, true},
		{"lc", listABC, "A A B C", AnyTied, false},
		{"wlc", listABC, "A B C C B C B C C B C A", KernelOrder, true},
		{"wlc", listCBA, "C B A C B C C B C B C C", KernelOrder, true},
		{"sed", listABC, "C B C B C C B C A B C C", KernelOrder, true},
		{"sed", listCBA, "C B C C B C B C C B A C", KernelOrder, true},
		{"sed", listCBA, "C B C B C C B C C B A C", KernelOrder, false}, // 4th is a B/C tie: C first in list
		{"sed", listCBA, "C B C B C C B C C B A C", AnyTied, true},
		{"sed", listCBA, "C C C C", AnyTied, false},
		{"nq", listABC, "A B C C B C C B C B C C", KernelOrder, true},
		{"nq", listCBA, "C B A C C B C B C C B C", KernelOrder, true},
		{"nq", listABC, "C B A C C B C B C C B C", AnyTied, true}, // any idle server first
		{"nq", listABC, "C B A C C B C B C C B C", KernelOrder, false},
		{"nq", listABC, "A A B C", AnyTied, false}, // B and C idle
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%s %s %q ties=%d", tt.scheduler, tt.list[0].Name, tt.picks, tt.ties)
		v := Steering(tt.scheduler, heldOpen(tt.list, Seq(tt.picks)), tt.ties)
		if v.Pass != tt.pass || v.Err != nil {
			t.Errorf("%s:\n%v", name, v)
		}
	}
}

func TestSteeringSkipsQuiescedAndOverloaded(t *testing.T) {
	list := []ServerState{{Name: "A", Weight: 0}, {Name: "B", Weight: 1, Overloaded: true}, {Name: "C", Weight: 1, Active: 9}}
	for _, sched := range []string{"lc", "wlc", "sed", "nq"} {
		if v := Steering(sched, []Decision{{Servers: list, Chosen: "C"}}, KernelOrder); !v.Pass {
			t.Errorf("%s:\n%v", sched, v)
		}
		for _, wrong := range []string{"A", "B", "rs9"} {
			if v := Steering(sched, []Decision{{Servers: list, Chosen: wrong}}, AnyTied); v.Pass {
				t.Errorf("%s allowed %s:\n%v", sched, wrong, v)
			}
		}
	}
	none := []ServerState{{Name: "A", Weight: 0}}
	if v := Steering("wlc", []Decision{{Servers: none, Chosen: "A"}}, AnyTied); v.Pass ||
		!strings.Contains(v.Summary, "allowed none (no eligible server)") {
		t.Errorf("no eligible server:\n%v", v)
	}
}

// The overhead is the model's: one active connection (257) weighs more
// than 256 inactive ones.
func TestSteeringOverheadFormula(t *testing.T) {
	list := []ServerState{{Name: "A", Weight: 1, Active: 1}, {Name: "B", Weight: 1, Inactive: 256}}
	if v := Steering("lc", []Decision{{Servers: list, Chosen: "B"}}, KernelOrder); !v.Pass {
		t.Errorf("%v", v)
	}
	if v := Steering("lc", []Decision{{Servers: list, Chosen: "A"}}, AnyTied); v.Pass {
		t.Errorf("%v", v)
	}
}

func TestSteeringDetailLayout(t *testing.T) {
	ds := []Decision{{Servers: []ServerState{
		{Name: "A", Weight: 1, Active: 1},
		{Name: "B", Weight: 4, Active: 2},
		{Name: "C", Weight: 6, Active: 3, Inactive: 1},
	}, Chosen: "A"}}
	v := Steering("wlc", ds, AnyTied)
	wantSummary := "1 of 1 choice not allowed by wlc (ties to any tied server); first at connection #1: chose A, allowed B"
	want := `connection #1: chose A, wlc allows B
server  weight  active  inactive  overhead  overhead/weight
A            1       1         0       257          257.000  <- chosen
B            4       2         0       514          128.500  <- allowed
C            6       3         1       772          128.667

`
	if v.Summary != wantSummary || v.Detail != want {
		t.Errorf("got\n%s\n%s\nwant\n%s\n%s", v.Summary, v.Detail, wantSummary, want)
	}
}

func TestSteeringCannotJudge(t *testing.T) {
	ok := []Decision{{Servers: listABC, Chosen: "A"}}
	for _, c := range []struct {
		sched string
		ds    []Decision
	}{
		{"wrr", ok},
		{"wlc", nil},
		{"wlc", []Decision{{Servers: []ServerState{{Name: "A", Weight: -1}}, Chosen: "A"}}},
	} {
		if v := Steering(c.sched, c.ds, AnyTied); v.Pass || v.Err == nil {
			t.Errorf("%s %v: %v", c.sched, c.ds, v)
		}
	}
}

// Every pick of the reference model, under random opening, closing and
// expiring of connections and with thresholds, is allowed in kernel order;
// moving one pick to a costlier server fails at that connection.
func TestSteeringAgreesWithModel(t *testing.T) {
	vip := netip.MustParseAddrPort("192.168.0.75:80")
	for _, sched := range []string{"lc", "wlc", "sed", "nq"} {
		t.Run(sched, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, uint64(len(sched))))
			svc, err := model.New(sched)
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range []int{1, 4, 6, 0, 2} {
				c := model.DestConfig{Addr: netip.AddrPortFrom(netip.AddrFrom4([4]byte{172, 16, 0, byte(45 + i)}), 80), Weight: w}
				if i == 4 {
					c.UThreshold = 6
				}
				if _, err := svc.AddDest(c); err != nil {
					t.Fatal(err)
				}
			}
			var ds []Decision
			for i := range 600 {
				entries := svc.Entries()
				switch r := rng.IntN(10); {
				case r < 2 && len(entries) > 0:
					svc.Close(entries[rng.IntN(len(entries))])
					continue
				case r < 3 && len(entries) > 0:
					svc.Expire(entries[rng.IntN(len(entries))])
					continue
				}
				d := Decision{Servers: states(svc)}
				conn := model.Conn{Proto: model.TCP, Client: netip.AddrPortFrom(netip.MustParseAddr("192.168.0.100"), uint16(10000+i)), Virtual: vip}
				e, err := svc.Connect(conn)
				if err != nil {
					t.Fatal(err)
				}
				d.Chosen = e.Dest.String()
				ds = append(ds, d)
			}
			if v := Steering(sched, ds, KernelOrder); !v.Pass {
				t.Fatalf("model's picks rejected:\n%v", v)
			}
			overloaded := slices.ContainsFunc(ds, func(d Decision) bool {
				return slices.ContainsFunc(d.Servers, func(s ServerState) bool { return s.Overloaded })
			})
			if !overloaded {
				t.Error("the threshold never tripped; the test does not cover overload")
			}
			for i, d := range ds {
				allowed := allowedServers(sched, costs[sched], d.Servers, AnyTied)
				for _, s := range d.Servers {
					if s.Weight > 0 && !s.Overloaded && !slices.Contains(allowed, s.Name) {
						ds[i].Chosen = s.Name
						v := Steering(sched, ds, AnyTied)
						want := fmt.Sprintf("first at connection #%d: chose %s", i+1, s.Name)
						if v.Pass || !strings.Contains(v.Summary, want) {
							t.Errorf("wrong pick not caught, want %q:\n%v", want, v)
						}
						return
					}
				}
			}
			t.Error("no decision had a costlier eligible server")
		})
	}
}

func states(svc *model.Service) []ServerState {
	var ss []ServerState
	for _, d := range svc.Dests() {
		ss = append(ss, ServerState{Name: d.String(), Weight: d.Weight(), Active: d.Active(), Inactive: d.Inactive(), Overloaded: d.Overloaded()})
	}
	return ss
}
