package scenarios

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/loadgen"
	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// A failed connection takes its place among the answered ones, under the server the director's table
// names for the port it came from; a request failed on a kept connection is counted, not placed.
func TestTimelinePlacesFailedConnectionsByTheDirectorsTable(t *testing.T) {
	client := netip.MustParseAddr("192.168.0.10")
	rs1, rs2 := netip.MustParseAddrPort("172.16.0.45:80"), netip.MustParseAddrPort("172.16.0.55:80")
	vip := netip.MustParseAddrPort("192.168.0.75:80")
	conns := []ipvsadm.Conn{
		{Protocol: ipvsadm.TCP, Client: netip.AddrPortFrom(client, 4001), Virtual: vip, Dest: rs1},
		{Protocol: ipvsadm.TCP, Client: netip.AddrPortFrom(client, 4003), Virtual: vip, Dest: rs2},
	}
	res := &loadgen.Result{Requests: 7, Sequence: []string{"rs2", "rs1", "rs2"}, Failed: []loadgen.FailedConn{
		{Index: 1, Local: netip.AddrPortFrom(client, 4001), Failure: "refused"},
		{Index: 3, Local: netip.AddrPortFrom(client, 4003), Failure: "timeout"},
		{Index: 4, Local: netip.AddrPortFrom(client, 4003), Failure: "timeout", Kept: true},
		{Index: 5, Local: netip.AddrPortFrom(client, 4005), Failure: "reset"},
	}}
	name := func(a netip.Addr) string { return map[netip.Addr]string{rs1.Addr(): "rs1", rs2.Addr(): "rs2"}[a] }
	failed := failuresOf(res, byClient(conns, ipvsadm.TCP, "http://192.168.0.75/"), name)
	got := timeline(res, failed)
	want := []string{"rs2", "rs1 (refused)", "rs1", "rs2 (timeout)", "rs2", "? (reset)"}
	if !slices.Equal(got, want) {
		t.Errorf("timeline %q, want %q", got, want)
	}
	if v := failuresVerdict(map[string]map[string]Count{"rs1": {"refused": {1, 1}}, "rs2": {"timeout": {2, 2}}, "?": {"reset": {1, 1}}}, failed, res.Requests); !v.Pass {
		t.Errorf("the failures as they came did not pass: %s\n%s", v.Summary, v.Detail)
	}
}

func TestFailuresVerdictNamesEveryDifference(t *testing.T) {
	f := func(server, cause string) failure {
		return failure{FailedConn: loadgen.FailedConn{Failure: cause}, server: server}
	}
	failed := []failure{f("rs1", "refused"), f("rs1", "refused"), f("rs2", "timeout")}
	if v := failuresVerdict(map[string]map[string]Count{"rs1": {"refused": {2, 2}}, "rs2": {"timeout": {1, countMax}}}, failed, 5); !v.Pass {
		t.Errorf("the failures as expected did not pass: %s\n%s", v.Summary, v.Detail)
	}
	v := failuresVerdict(map[string]map[string]Count{"rs1": {"refused": {3, 3}}}, failed, 5)
	if v.Pass || !strings.Contains(v.Detail, "rs1 refused: 2, want 3") || !strings.Contains(v.Detail, "rs2 timeout: 1, want 0") {
		t.Errorf("verdict %v %q %q, want a failure naming rs1's missing refusal and rs2's timeout", v.Pass, v.Summary, v.Detail)
	}
	if !strings.Contains(v.Summary, "3 of 5 requests failed: rs1 2 refused, rs2 1 timeout") {
		t.Errorf("summary %q does not say what failed", v.Summary)
	}
}

// The model follows the steps where they came: a server stopped refuses what rr still gives it, and once
// deleted it gets nothing.
func TestTheModelFollowsTheSteps(t *testing.T) {
	sc, err := Parse("t.yaml", []byte(`name: x
rules: |
  -A -t 192.168.0.75:80 -s rr
  -a -t 192.168.0.75:80 -r 172.16.0.45 -m
  -a -t 192.168.0.75:80 -r 172.16.0.55 -m
load: {connections: 8}
steps:
  - {after: 2, fault: rs1 stop}
  - {after: 4, fault: rs1 start}
  - {after: 6, rules: -d -t 192.168.0.75:80 -r 172.16.0.45:80}
`))
	if err != nil {
		t.Fatal(err)
	}
	p := sc.Phases[0]
	pred := &predictor{topo: sc.Topology}
	for _, c := range p.Rules {
		pred.apply(c)
	}
	client := netip.MustParseAddr("192.168.0.10")
	got, err := pred.predict(inTurn([]netip.Addr{client}, 8), false, pred.stepsAt(p.Steps))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"rs2", "rs1", "rs2", "rs1 (refused)", "rs2", "rs1", "rs2", "rs2"}
	if !slices.Equal(got, want) {
		t.Errorf("predicted %q, want %q", got, want)
	}
}

func TestCountsReadExactlyAtLeastAndRanges(t *testing.T) {
	for text, want := range map[string]Count{"5": {5, 5}, "1+": {1, countMax}, "2-6": {2, 6}, "0": {0, 0}} {
		if got, err := ParseCount(text); err != nil || got != want {
			t.Errorf("%q: %+v, %v; want %+v", text, got, err, want)
		}
	}
	for _, bad := range []string{"", "-1", "6-2", "many", "1++", "99999999999"} {
		if got, err := ParseCount(bad); err == nil {
			t.Errorf("%q: read as %+v", bad, got)
		}
	}
	if c := (Count{1, countMax}); !c.Holds(7) || c.Holds(0) || c.String() != "1 or more" {
		t.Errorf("1+: holds 7 %v, holds 0 %v, says %q", c.Holds(7), c.Holds(0), c)
	}
}
