package lab

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"os/exec"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/internal/needs"

	"github.com/lvslab/lvslab/ipvsnl"

	"github.com/lvslab/lvslab/wire"

	"github.com/lvslab/lvslab/internal/wait"
	"github.com/lvslab/lvslab/topology"
	"github.com/lvslab/lvslab/topology/ipvsadm"
)

var vip = ipvsadm.ServiceKey{Protocol: ipvsadm.TCP, Addr: netip.MustParseAddrPort("192.168.0.75:80")}

func TestIPVSUpProgramsTheTopologysTable(t *testing.T) {
	needs.IPVS(t)
	l := upDefault(t)
	snap, err := l.IPVS()
	if err != nil {
		t.Fatal(err)
	}
	if diff := ipvsadm.Diff(l.wantedTable(), &snap.Table); len(diff) > 0 {
		t.Fatalf("the kernel's table differs from the topology's:\n%s", strings.Join(diff, "\n"))
	}
	var list bytes.Buffer
	snap.WriteList(&list)
	want := "TCP  192.168.0.75:80 wrr\n" +
		"  -> 172.16.0.45:80               Masq    3      0          0         \n" +
		"  -> 172.16.0.55:80               Masq    1      0          0         \n"
	if !strings.HasSuffix(list.String(), want) {
		t.Errorf("ipvsadm -L -n as lvslab prints it:\n%s\nwant it to end with:\n%s", list.String(), want)
	}
}

func TestIPVSRequestsToTheVIPAreBalancedAndCounted(t *testing.T) {
	needs.IPVS(t)
	l := upDefault(t)
	// wrr 3:1 from the kernel's list (rs2 first, newest): a cycle of four connections gives rs1 three.
	counts := map[string]int{}
	for range 8 {
		resp, _, err := get(l, "client", "http://192.168.0.75/")
		if err != nil {
			t.Fatal(err)
		}
		counts[resp.Header.Get(wire.ServerHeader)]++
		// NAT keeps the client's own address: the real server saw 192.168.0.100, not the director.
		if c := resp.Header.Get(wire.ClientHeader); !strings.HasPrefix(c, "192.168.0.100:") {
			t.Errorf("the real server saw client %q, want 192.168.0.100", c)
		}
	}
	if counts["rs1"] != 6 || counts["rs2"] != 2 {
		t.Errorf("8 connections under wrr 3:1 went %v, want rs1 6 and rs2 2", counts)
	}
	err := wait.Until(context.Background(), 5e9, func() (bool, string) {
		snap, err := l.IPVS()
		if err != nil {
			return false, err.Error()
		}
		st := snap.Stats[vip]
		return st != nil && st.Conns == 8 && st.Dests[netip.MustParseAddrPort("172.16.0.45:80")].Conns == 6, "IPVS has not counted 8 connections, 6 of them rs1's"
	})
	if err != nil {
		t.Error(err)
	}
}

func TestIPVSApplyRuleChangesTheKernelsTableAsIpvsadmWould(t *testing.T) {
	needs.IPVS(t)
	l := upDefault(t)
	for _, r := range []string{
		"-E -t 192.168.0.75:80 -s rr",
		"-a -t 192.168.0.75:80 -r 172.16.0.65 -m -w 2",
		"-e -t 192.168.0.75:80 -r 172.16.0.45:80 -m", // -e without -w: weight back to 1
		"-d -t 192.168.0.75:80 -r 172.16.0.55:80",
	} {
		c, err := ipvsadm.ParseRule(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.ApplyRule(context.Background(), c); err != nil {
			t.Fatalf("ipvsadm %s: %v", r, err)
		}
	}
	snap, err := l.IPVS()
	if err != nil {
		t.Fatal(err)
	}
	var save strings.Builder
	snap.Save(&save)
	want := "-A -t 192.168.0.75:80 -s rr\n-a -t 192.168.0.75:80 -r 172.16.0.45:80 -m -w 1\n-a -t 192.168.0.75:80 -r 172.16.0.65:80 -m -w 2\n"
	if save.String() != want {
		t.Errorf("after the edits the kernel holds:\n%swant:\n%s", save.String(), want)
	}
	bad, _ := ipvsadm.ParseRule("-d -t 192.168.0.75:80 -r 172.16.0.99:80")
	if err := l.ApplyRule(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "172.16.0.99") {
		t.Errorf("deleting a real server that is not there: got %v, want an error naming it", err)
	}
}

// TestIPVSIpvsadmSeesWhatLvslabProgrammed cross-checks with Debian's ipvsadm, run in the director's namespace.
func TestIPVSIpvsadmSeesWhatLvslabProgrammed(t *testing.T) {
	needs.IPVS(t)
	if _, err := exec.LookPath("ipvsadm"); err != nil {
		t.Skip("needs Debian's ipvsadm (apt-get install ipvsadm)")
	}
	l := upDefault(t)
	snap, err := l.IPVS()
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-S", "-n"}, {"-L", "-n"}} {
		var out bytes.Buffer
		cmd := exec.Command("ipvsadm", args...)
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := l.Run(cmd, "director"); err != nil {
			t.Fatalf("ipvsadm %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		var ours bytes.Buffer
		if args[0] == "-S" {
			snap.Save(&ours)
		} else {
			snap.WriteList(&ours)
		}
		if out.String() != ours.String() {
			t.Errorf("ipvsadm %s printed:\n%s\nlvslab's table reads:\n%s", strings.Join(args, " "), out.String(), ours.String())
		}
	}
}

func TestNoIPVSUpSaysSoAndBuildsNothing(t *testing.T) {
	needs.Root(t)
	if ipvsnl.Check() == nil {
		t.Skip("this kernel has IPVS")
	}
	name, dir := uniqueName(t), t.TempDir()
	_, err := Up(context.Background(), topology.Default(), Options{Name: name, StateDir: dir})
	if !errors.Is(err, ipvsnl.ErrNoIPVS) || !strings.Contains(err.Error(), "--vm=always") {
		t.Errorf("got %v, want ipvsnl.ErrNoIPVS telling what to do", err)
	}
	if ns := labNamespaces(name); len(ns) > 0 {
		t.Errorf("namespaces made anyway: %v", ns)
	}
}

func TestIPVSSetTimeoutsIsIpvsadmSet(t *testing.T) {
	needs.IPVS(t)
	if _, err := exec.LookPath("ipvsadm"); err != nil {
		t.Skip("needs Debian's ipvsadm (apt-get install ipvsadm)")
	}
	l := upDefault(t)
	if err := l.SetTimeouts(0, 2e9, 0); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command("ipvsadm", "-L", "--timeout")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := l.Run(cmd, "director"); err != nil {
		t.Fatalf("ipvsadm: %v\n%s", err, out.String())
	}
	if got := strings.TrimSpace(out.String()); got != "Timeout (tcp tcpfin udp): 900 2 300" {
		t.Errorf("ipvsadm -L --timeout after SetTimeouts(0, 2s, 0): %q", got)
	}
}

// The director's connection table and its per-CPU counters are exact the moment the load ends, with no
// wait for IPVS's estimator: each connection's entry names the real server that answered it.
func TestIPVSConnsAndTotalsCountEveryConnectionAtOnce(t *testing.T) {
	needs.IPVS(t)
	l := upDefault(t)
	before, err := l.IPVSTotals()
	if err != nil {
		t.Fatal(err)
	}
	servedBy := map[netip.AddrPort]string{}
	for range 8 {
		resp, _, err := get(l, "client", "http://192.168.0.75/")
		if err != nil {
			t.Fatal(err)
		}
		client, err := netip.ParseAddrPort(resp.Header.Get(wire.ClientHeader))
		if err != nil {
			t.Fatal(err)
		}
		servedBy[client] = resp.Header.Get(wire.ServerHeader)
	}
	totals, err := l.IPVSTotals()
	if err != nil {
		t.Fatal(err)
	}
	conns, err := l.Conns()
	if err != nil {
		t.Fatal(err)
	}
	if d := totals.Minus(before); d.Conns != 8 || d.InPkts == 0 || d.OutPkts == 0 {
		t.Errorf("per-CPU counters moved by %+v, want 8 connections and packets both ways (NAT)", d)
	}
	found := 0
	for _, c := range conns {
		server, ok := servedBy[c.Client]
		if !ok {
			continue
		}
		found++
		h, _ := l.Topology.HostByAddr(c.Dest.Addr())
		if c.Protocol != ipvsadm.TCP || c.Virtual != vip.Addr || h == nil || h.Name != server {
			t.Errorf("entry %+v: want TCP to %s, sent to %s, which answered", c, vip.Addr, server)
		}
	}
	if found != 8 {
		t.Errorf("%d of the 8 connections in the director's table %+v", found, conns)
	}
}
