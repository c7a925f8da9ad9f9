package assert

import (
	"strings"
	"testing"
)

func TestConservation(t *testing.T) {
	const table = "director's table"
	tests := []struct {
		name    string
		c       Counted
		pass    bool
		summary string
	}{
		{"all counted", Counted{10000, map[string]int{"rs1": 7500, "rs2": 2500}, map[string]int{"rs1": 7500, "rs2": 2500}, table, 10000, 0}, true,
			"10000 connections sent, seen by the servers, sent there by the director (director's table) and counted by IPVS"},
		{"a server lost one", Counted{10000, map[string]int{"rs1": 7500, "rs2": 2499}, map[string]int{"rs1": 7500, "rs2": 2500}, table, 10000, 0}, false,
			"sent 10000, servers saw 9999 (-1), the director (director's table) sent 10000 (0), IPVS counted 10000 (0); servers and the director disagree on 1 server, first rs2"},
		{"sums agree, servers do not", Counted{10000, map[string]int{"rs1": 7500, "rs2": 2500}, map[string]int{"rs1": 7501, "rs2": 2499}, "IPVS Conns", 10000, 0}, false,
			"sent 10000, servers saw 10000 (0), the director (IPVS Conns) sent 10000 (0), IPVS counted 10000 (0); servers and the director disagree on 2 servers, first rs1"},
		{"connections never arrived", Counted{10000, map[string]int{"rs1": 7000, "rs2": 2500}, map[string]int{"rs1": 7000, "rs2": 2500}, table, 9500, 0}, false,
			"sent 10000, servers saw 9500 (-500), the director (director's table) sent 9500 (-500), IPVS counted 9500 (-500)"},
		{"a server IPVS does not know", Counted{10, map[string]int{"rs1": 9, "rs3": 1}, map[string]int{"rs1": 10}, table, 10, 0}, false,
			"sent 10, servers saw 10 (0), the director (director's table) sent 10 (0), IPVS counted 10 (0); servers and the director disagree on 2 servers, first rs1"},
		{"IPVS counted more", Counted{10, map[string]int{"rs1": 10}, map[string]int{"rs1": 10}, table, 11, 0}, false,
			"sent 10, servers saw 10 (0), the director (director's table) sent 10 (0), IPVS counted 11 (+1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Conservation(tt.c)
			if v.Pass != tt.pass || v.Summary != tt.summary {
				t.Errorf("got\n%v\nwant pass=%v %q", v, tt.pass, tt.summary)
			}
		})
	}
}

func TestConservationDetailLayout(t *testing.T) {
	v := Conservation(Counted{10000, map[string]int{"rs1": 7500, "rs2": 2499}, map[string]int{"rs1": 7500, "rs2": 2500}, "director's table", 10000, 0})
	want := `server      servers saw  director's table  diff
rs1                7500              7500     0
rs2                2499              2500    -1  <- differs
total              9999             10000    -1  <- differs from sent
sent              10000             10000
IPVS total                          10000
`
	if v.Detail != want {
		t.Errorf("detail:\n%s\nwant:\n%s", v.Detail, want)
	}
}

func TestConservationCannotJudge(t *testing.T) {
	for _, c := range []Counted{
		{0, nil, nil, "", 0, 0},
		{5, map[string]int{"rs1": -1}, map[string]int{"rs1": 5}, "", 5, 0},
		{5, map[string]int{"rs1": 5}, map[string]int{"rs1": 5}, "", -1, 0},
	} {
		if v := Conservation(c); v.Pass || v.Err == nil {
			t.Errorf("%v: %v", c, v)
		}
	}
}

// A failed conservation says how many of the load's connections reused an earlier one's local port: IPVS
// may have taken them for the earlier connection.
func TestConservationSaysWhenPortsWereReused(t *testing.T) {
	c := Counted{Sent: 10000, Servers: map[string]int{"rs1": 7500, "rs2": 2500}, Director: map[string]int{"rs1": 7499, "rs2": 2500},
		DirectorFrom: "IPVS Conns", IPVS: 9999, Reused: 2800}
	if v := Conservation(c); v.Pass || !strings.Contains(v.Detail, "2800 connections left from the local address and port of an earlier connection") {
		t.Errorf("got %+v, want a failure that counts the reused ports", v)
	}
	c.Director, c.IPVS = c.Servers, 10000
	if v := Conservation(c); !v.Pass || strings.Contains(v.Detail, "earlier connection") {
		t.Errorf("all counted: got %+v, want a pass that does not mention reused ports", v)
	}
}
