package scenarios

import (
	"net/netip"
	"testing"
	"time"

	"github.com/lvslab/lvslab/topology"
	"github.com/lvslab/lvslab/topology/ipvsadm"
)

func busyRules(t *testing.T, sched string) []ipvsadm.Command {
	t.Helper()
	cmds, errs := ipvsadm.ParseRules("-A -t 192.168.0.75:80 -s " + sched + "\n-a -t 192.168.0.75:80 -r 172.16.0.45:80 -m\n-a -t 192.168.0.75:80 -r 172.16.0.55:80 -m\n")
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	return cmds
}

// In simulated time, a server that holds each connection twenty times longer gets its half under rr and
// few under lc: with 20 connections in flight, lc gives it one only when it holds no more than the fast one.
func TestBusySharesGiveASlowServerLessUnderLC(t *testing.T) {
	topo, err := topology.Embedded("nat-slow-server")
	if err != nil {
		t.Fatal(err)
	}
	clients := inTurn([]netip.Addr{netip.MustParseAddr("192.168.0.100")}, 400)
	times := map[string]time.Duration{"rs1": 5 * time.Millisecond, "rs2": 100 * time.Millisecond}
	rr, err := busyShares(topo, busyRules(t, "rr"), clients, 20, times)
	if err != nil {
		t.Fatal(err)
	}
	if rr["rs1"] != 200 || rr["rs2"] != 200 {
		t.Errorf("rr: %v, want 200 each: rr counts turns, not time", rr)
	}
	lc, err := busyShares(topo, busyRules(t, "lc"), clients, 20, times)
	if err != nil {
		t.Fatal(err)
	}
	if lc["rs1"]+lc["rs2"] != 400 || lc["rs2"] >= 100 || lc["rs2"] == 0 {
		t.Errorf("lc: %v, want rs2 (20 times slower) well under a quarter of 400, and some", lc)
	}
	even, err := busyShares(topo, busyRules(t, "lc"), clients, 20, map[string]time.Duration{"rs1": 5 * time.Millisecond, "rs2": 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if d := even["rs1"] - even["rs2"]; d < -2 || d > 2 {
		t.Errorf("lc with equal times: %v, want them even", even)
	}
	if _, err := busyShares(topo, busyRules(t, "lc"), clients, 20, map[string]time.Duration{"rs1": time.Millisecond}); err == nil {
		t.Error("a server with no measured time was taken as instant; want an error")
	}
	t.Logf("rr %v, lc %v, lc with equal times %v", rr, lc, even)
}
