package assert

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/assert/model"
)

var (
	vip  = netip.MustParseAddrPort("192.168.0.75:80")
	rs1  = netip.MustParseAddrPort("172.16.0.45:80")
	rs2  = netip.MustParseAddrPort("172.16.0.55:80")
	name = func(d *model.Dest) string {
		return map[netip.AddrPort]string{rs1: "rs1", rs2: "rs2"}[d.Addr()]
	}
)

// wrr31 is the walkthrough's service: rs1 weight 3 added first, then rs2
// weight 1.
func wrr31(t *testing.T) *model.Service {
	t.Helper()
	svc, err := model.New("wrr")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []model.DestConfig{{Addr: rs1, Weight: 3}, {Addr: rs2, Weight: 1}} {
		if _, err := svc.AddDest(c); err != nil {
			t.Fatal(err)
		}
	}
	return svc
}

func conns(n int) []model.Conn {
	var cs []model.Conn
	for i := range n {
		cs = append(cs, model.Conn{Proto: model.TCP, Client: netip.AddrPortFrom(netip.MustParseAddr("192.168.0.100"), uint16(20000+i)), Virtual: vip})
	}
	return cs
}

func TestPredicted(t *testing.T) {
	// ipvs-reference.md §2.2: a fresh build of 3:1 added rs1 then rs2 runs
	// "B A | A A B A | …".
	fresh := append(Seq("rs2 rs1"), slices.Repeat(Seq("rs1 rs1 rs2 rs1"), 2499)...)
	fresh = append(fresh, Seq("rs1 rs1")...)
	swapped := slices.Clone(fresh)
	swapped[4], swapped[5] = swapped[5], swapped[4]
	tests := []struct {
		name     string
		observed []string
		pass     bool
		summary  string
	}{
		{"kernel order", fresh, true, "10000 of 10000 connections (100.00%) went where the model predicts"},
		{"two swapped", swapped, false,
			"9998 of 10000 connections (99.98%) went where the model predicts; first mismatch at #5: model rs2, observed rs1"},
		{"steady cycle instead of fresh build", slices.Repeat(Seq("rs1 rs1 rs2 rs1"), 2500), false,
			"5000 of 10000 connections (50.00%) went where the model predicts; first mismatch at #1: model rs2, observed rs1"},
		{"one missing", fresh[:9999], false,
			"9999 of 10000 connections (99.99%) went where the model predicts; 10000 predicted, 9999 observed; first mismatch at #10000: model rs1, observed -"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Predicted(wrr31(t), conns(10000), tt.observed, name)
			if v.Pass != tt.pass || v.Summary != tt.summary {
				t.Errorf("got\n%v\nwant pass=%v %q", v, tt.pass, tt.summary)
			}
		})
	}
}

func TestPredictedDetailLayout(t *testing.T) {
	v := Predicted(wrr31(t), conns(6), Seq("rs2 rs1 rs1 rs2 rs1 rs1"), name)
	want := `#  client               model  observed
4  192.168.0.100:20003  rs1    rs2
5  192.168.0.100:20004  rs2    rs1

server  model  observed  diff
rs1         4         4     0
rs2         2         2     0
total       6         6     0
`
	if v.Detail != want {
		t.Errorf("detail:\n%s\nwant:\n%s", v.Detail, want)
	}
}

// Without a name function the servers are named by address; a
// connection the model refuses is "(none)".
func TestPredictedDefaultNamesAndRefusals(t *testing.T) {
	svc := wrr31(t)
	if _, err := svc.EditDest(model.DestConfig{Addr: rs1, Weight: 0}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.EditDest(model.DestConfig{Addr: rs2, Weight: 0}); err != nil {
		t.Fatal(err)
	}
	v := Predicted(svc, conns(2), []string{"(none)", rs1.String()}, nil)
	if v.Pass || !strings.Contains(v.Summary, "first mismatch at #2: model (none), observed 172.16.0.45:80") {
		t.Errorf("%v", v)
	}
	if v := Predicted(wrr31(t), nil, nil, name); v.Err == nil {
		t.Errorf("no connections: %v", v)
	}
}
