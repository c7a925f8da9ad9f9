package lab

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/internal/needs"

	"github.com/lvslab/lvslab/wire"

	"github.com/google/nftables"

	"github.com/lvslab/lvslab/topology"
)

func TestEveryRealServerAnswersWithItsPage(t *testing.T) {
	l := upDefault(t)
	for _, rs := range []struct{ host, addr, body string }{
		{"rs1", "172.16.0.45", "RS1.magedu.com\n"},
		{"rs2", "172.16.0.55", "RS2.magedu.com\n"},
		{"rs3", "172.16.0.65", "RS3.magedu.com\n"},
	} {
		resp, body, err := get(l, "director", "http://"+rs.addr+"/index.html")
		if err != nil {
			t.Fatalf("director → %s: %v", rs.addr, err)
		}
		if body != rs.body || resp.Header.Get(wire.ServerHeader) != rs.host {
			t.Errorf("director → %s: got body %q from %q, want %q from %q", rs.addr, body, resp.Header.Get(wire.ServerHeader), rs.body, rs.host)
		}
		if client := resp.Header.Get(wire.ClientHeader); !strings.HasPrefix(client, "172.16.0.10:") {
			t.Errorf("%s saw client %q, want the director's DIP 172.16.0.10", rs.host, client)
		}
	}
	// The client sits on the bridged LAN only, as in the tutorial: it cannot reach the real servers
	// directly (only through the director's IPVS service).
	if _, _, err := get(l, "client", "http://172.16.0.45/"); err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("client → 172.16.0.45: got %v, want network unreachable", err)
	}
}

func TestWhoamiNamesServerAndClient(t *testing.T) {
	l := upDefault(t)
	_, body, err := get(l, "director", "http://172.16.0.55/whoami")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "server rs2 172.16.0.55:80") || !strings.Contains(body, "client 172.16.0.10:") {
		t.Errorf("whoami said %q", body)
	}
}

func TestServerStatsCountConnections(t *testing.T) {
	l := upDefault(t)
	for range 3 {
		if _, _, err := get(l, "director", "http://172.16.0.45/"); err != nil {
			t.Fatal(err)
		}
	}
	stats, err := l.ServerStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := stats["rs1"]; got.Connections != 3 || got.Requests != 3 {
		t.Errorf("rs1 counted %+v, want 3 connections and 3 requests", got)
	}
	if got := stats["rs2"]; got.Connections != 0 {
		t.Errorf("rs2 counted %+v, want nothing", got)
	}
}

func TestUpAndDownLeaveTheRootNamespaceAsItWas(t *testing.T) {
	needs.Root(t)
	before := rootSnapshot(t)
	dir := t.TempDir()
	l, err := Up(context.Background(), topology.Default(), Options{Name: uniqueName(t), StateDir: dir, WithoutIPVS: noIPVS()})
	if err != nil {
		t.Fatal(err)
	}
	if during := rootSnapshot(t); stripNetns(during) != stripNetns(before) {
		t.Errorf("the lab changed the root namespace's links, addresses or routes:\nbefore:\n%s\nduring:\n%s", before, during)
	}
	if got := len(labNamespaces(l.Name)); got != 6 {
		t.Errorf("lab has %d namespaces, want 6 (5 hosts and the switch)", got)
	}
	if err := l.Down(context.Background()); err != nil {
		t.Fatal(err)
	}
	if after := rootSnapshot(t); after != before {
		t.Errorf("root namespace differs after down:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if stray := strayProcesses(t); len(stray) > 0 {
		t.Errorf("processes left running: %v", stray)
	}
	if files, _ := os.ReadDir(dir); len(files) > 0 {
		t.Errorf("files left in the state directory: %v", files)
	}
	if err := l.Down(context.Background()); err != nil {
		t.Errorf("a second down: %v, want nothing to do", err)
	}
}

// stripNetns drops the named-namespace lines, which a lab that is up adds by design.
func stripNetns(s string) string {
	var keep []string
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(line, "netns ") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

func TestSecondUpOfTheSameNameChangesNothing(t *testing.T) {
	l := upDefault(t)
	stateBefore, _ := os.ReadFile(statePath(l.dir, l.Name))
	inodes := map[string]uint64{}
	for _, ns := range labNamespaces(l.Name) {
		inodes[ns], _ = inode(netnsPath(ns))
	}
	_, err := Up(context.Background(), topology.Default(), Options{Name: l.Name, StateDir: l.dir, WithoutIPVS: noIPVS()})
	if !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), "already up") {
		t.Fatalf("second up: got %v, want ErrExists saying the lab is already up", err)
	}
	stateAfter, _ := os.ReadFile(statePath(l.dir, l.Name))
	if string(stateAfter) != string(stateBefore) {
		t.Error("the second up rewrote the state file")
	}
	for ns, ino := range inodes {
		if got, _ := inode(netnsPath(ns)); got != ino {
			t.Errorf("namespace %s was replaced", ns)
		}
	}
	if _, body, err := get(l, "director", "http://172.16.0.45/"); err != nil || body != "RS1.magedu.com\n" {
		t.Errorf("the first lab stopped serving: %q %v", body, err)
	}
}

func TestTwoLabsCoexist(t *testing.T) {
	a, b := upDefault(t), upDefault(t)
	for _, l := range []*Lab{a, b} {
		if _, body, err := get(l, "director", "http://172.16.0.55/"); err != nil || body != "RS2.magedu.com\n" {
			t.Errorf("lab %s: %q %v", l.Name, body, err)
		}
	}
	if err := a.Down(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, body, err := get(b, "director", "http://172.16.0.55/"); err != nil || body != "RS2.magedu.com\n" {
		t.Errorf("lab %s after the other went down: %q %v", b.Name, body, err)
	}
}

func TestUpFailingPartWayUndoesItselfAndSparesWhatItDidNotMake(t *testing.T) {
	needs.Root(t)
	name := uniqueName(t)
	// Someone else's namespace already has the name the lab wants for rs2.
	foreign := NamespaceName(name, "rs2")
	ino, err := createNamespace(foreign)
	if err != nil {
		t.Fatal(err)
	}
	defer deleteNamespace(foreign, ino)
	dir := t.TempDir()
	_, err = Up(context.Background(), topology.Default(), Options{Name: name, StateDir: dir, WithoutIPVS: noIPVS()})
	if err == nil || !strings.Contains(err.Error(), foreign+" already exists") {
		t.Fatalf("got %v, want an error naming the namespace %s that already exists", err, foreign)
	}
	if got, _ := inode(netnsPath(foreign)); got != ino {
		t.Errorf("the foreign namespace %s was removed or replaced", foreign)
	}
	if left := labNamespaces(name); len(left) != 1 {
		t.Errorf("namespaces left: %v, want only %s", left, foreign)
	}
	if files, _ := os.ReadDir(dir); len(files) > 0 {
		t.Errorf("files left in the state directory: %v", files)
	}
}

func TestBadSysctlFailsWithItsNameAndLeavesNothing(t *testing.T) {
	needs.Root(t)
	topo := topology.Default()
	topo.Host("director").Sysctls = append(topo.Host("director").Sysctls, topology.Sysctl{Key: "net.ipv4.no_such_setting", Value: "1"})
	name, dir := uniqueName(t), t.TempDir()
	_, err := Up(context.Background(), topo, Options{Name: name, StateDir: dir, WithoutIPVS: noIPVS()})
	if err == nil || !strings.Contains(err.Error(), "director: sysctl net.ipv4.no_such_setting does not exist in this kernel") || !strings.Contains(err.Error(), "sysctl -a | grep no_such_setting") {
		t.Fatalf("got %v, want an error naming the director and the sysctl, saying how to look for it", err)
	}
	if left := labNamespaces(name); len(left) > 0 {
		t.Errorf("namespaces left: %v", left)
	}
	if stray := strayProcesses(t); len(stray) > 0 {
		t.Errorf("processes left running: %v", stray)
	}
}

// A setting the machine has but a namespace does not (net.core.rmem_max is global) is named as such.
func TestGlobalSysctlIsRefusedAsNotPerNamespace(t *testing.T) {
	needs.Root(t)
	if _, err := os.Stat("/proc/sys/net/core/rmem_max"); err != nil {
		t.Skip("this machine has no net.core.rmem_max")
	}
	topo := topology.Default()
	topo.Host("rs1").Sysctls = append(topo.Host("rs1").Sysctls, topology.Sysctl{Key: "net.core.rmem_max", Value: "1000000"})
	_, err := Up(context.Background(), topo, Options{Name: uniqueName(t), StateDir: t.TempDir(), WithoutIPVS: noIPVS()})
	if err == nil || !strings.Contains(err.Error(), "rs1: sysctl net.core.rmem_max is not per network namespace") {
		t.Fatalf("got %v", err)
	}
}

func TestAddAddressesGivesTheClientMoreSources(t *testing.T) {
	l := upDefault(t)
	addrs, err := l.AddAddresses("client", 3)
	if err != nil {
		t.Fatal(err)
	}
	// 192.168.0.100 is the client's own; .75 is the director's, below it.
	if fmt.Sprint(addrs) != "[192.168.0.101 192.168.0.102 192.168.0.103]" {
		t.Errorf("got %v", addrs)
	}
	for _, a := range addrs {
		if err := bindFrom(l, "client", a); err != nil {
			t.Errorf("cannot use %s in the client: %v", a, err)
		}
	}
	if _, err := l.AddAddresses("client", 200); err == nil || !strings.Contains(err.Error(), "room for") {
		t.Errorf("asking for more addresses than the /24 holds: got %v", err)
	}
}

func TestMarksAreInstalledInTheDirector(t *testing.T) {
	topo, err := topology.Embedded("nat-fwmark")
	if err != nil {
		t.Fatal(err)
	}
	l := upTopology(t, topo)
	path, _ := l.Namespace("director")
	director, err := openNamespace(path)
	if err != nil {
		t.Fatal(err)
	}
	defer director.Close()
	c, err := nftables.New(nftables.WithNetNSFd(int(director.Fd())))
	if err != nil {
		t.Fatal(err)
	}
	rules, err := c.GetRules(&nftables.Table{Name: markTable, Family: nftables.TableFamilyIPv4}, &nftables.Chain{Name: "prerouting"})
	if err != nil || len(rules) != 1 {
		t.Fatalf("the director's prerouting chain holds %d rules (%v), want 1 marking 192.168.0.75:80", len(rules), err)
	}
	if got := rules[0].Exprs; len(got) != len(markExprs(topo.IPVS.Marks[0], 80)) {
		t.Errorf("the rule has %d expressions, want %d", len(got), len(markExprs(topo.IPVS.Marks[0], 80)))
	}
}
