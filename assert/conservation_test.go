package assert

import "testing"

func TestConservation(t *testing.T) {
	tests := []struct {
		name       string
		sent       int
		seen, ipvs map[string]int
		pass       bool
		summary    string
	}{
		{"all counted", 10000, map[string]int{"rs1": 7500, "rs2": 2500}, map[string]int{"rs1": 7500, "rs2": 2500}, true,
			"10000 connections sent, seen by the servers and counted by IPVS"},
		{"a server lost one", 10000, map[string]int{"rs1": 7500, "rs2": 2499}, map[string]int{"rs1": 7500, "rs2": 2500}, false,
			"sent 10000, servers saw 9999 (-1), IPVS counted 10000 (0); servers and IPVS disagree on 1 server, first rs2"},
		{"sums agree, servers do not", 10000, map[string]int{"rs1": 7500, "rs2": 2500}, map[string]int{"rs1": 7501, "rs2": 2499}, false,
			"sent 10000, servers saw 10000 (0), IPVS counted 10000 (0); servers and IPVS disagree on 2 servers, first rs1"},
		{"connections never arrived", 10000, map[string]int{"rs1": 7000, "rs2": 2500}, map[string]int{"rs1": 7000, "rs2": 2500}, false,
			"sent 10000, servers saw 9500 (-500), IPVS counted 9500 (-500)"},
		{"a server IPVS does not know", 10, map[string]int{"rs1": 9, "rs3": 1}, map[string]int{"rs1": 10}, false,
			"sent 10, servers saw 10 (0), IPVS counted 10 (0); servers and IPVS disagree on 2 servers, first rs1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Conservation(tt.sent, tt.seen, tt.ipvs)
			if v.Pass != tt.pass || v.Summary != tt.summary {
				t.Errorf("got\n%v\nwant pass=%v %q", v, tt.pass, tt.summary)
			}
		})
	}
}

func TestConservationDetailLayout(t *testing.T) {
	v := Conservation(10000, map[string]int{"rs1": 7500, "rs2": 2499}, map[string]int{"rs1": 7500, "rs2": 2500})
	want := `server  servers saw  IPVS Conns  diff
rs1            7500        7500     0
rs2            2499        2500    -1  <- differs
total          9999       10000    -1  <- differs from sent
sent          10000       10000
`
	if v.Detail != want {
		t.Errorf("detail:\n%s\nwant:\n%s", v.Detail, want)
	}
}

func TestConservationCannotJudge(t *testing.T) {
	for _, c := range []struct {
		sent       int
		seen, ipvs map[string]int
	}{
		{0, nil, nil},
		{5, map[string]int{"rs1": -1}, map[string]int{"rs1": 5}},
	} {
		if v := Conservation(c.sent, c.seen, c.ipvs); v.Pass || v.Err == nil {
			t.Errorf("%v: %v", c, v)
		}
	}
}
