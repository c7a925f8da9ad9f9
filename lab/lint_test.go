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

	"github.com/lvslab/lvslab/wire"

	"github.com/vishvananda/netlink"

	"github.com/lvslab/lvslab/topology"
	"github.com/lvslab/lvslab/topology/ipvsadm"
)

func embedded(t *testing.T, name string, edit func(*topology.Topology)) *topology.Topology {
	t.Helper()
	topo, err := topology.Embedded(name)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(topo)
	}
	return topo
}

func noDerive(t *topology.Topology) { t.IPVS.Derive = false }

func TestIPVSLintNamesWhatDirectRoutingLacks(t *testing.T) {
	needs.IPVS(t)
	name, dir := uniqueName(t), t.TempDir()
	_, err := Up(context.Background(), embedded(t, "dr", noDerive), Options{Name: name, StateDir: dir})
	if !errors.Is(err, ErrLint) {
		t.Fatalf("up of the DR lab without its derived set-up: got %v, want ErrLint", err)
	}
	for _, want := range []string{
		"director: the director needs the VIP 192.168.0.75",
		"rs1: DR needs the VIP 192.168.0.75/32 on lo; rs1 does not have it",
		"rs2: arp_ignore is 0; DR needs 1",
		"rs2: arp_announce is 0; DR needs 2",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the lint lacks %q:\n%v", want, err)
		}
	}
	if ns := labNamespaces(name); len(ns) > 0 {
		t.Errorf("a lab that failed its lint left namespaces: %v", ns)
	}
}

func TestIPVSLintSaysWhereTheVIPWronglyIs(t *testing.T) {
	needs.IPVS(t)
	l := upTopologyWith(t, embedded(t, "dr", nil), Options{})
	path, _ := l.Namespace("rs2")
	err := inNamespace(path, func() error {
		lo, _ := netlink.LinkByName("lo")
		eth0, _ := netlink.LinkByName("eth0")
		vip := ipNet(netip.MustParsePrefix("192.168.0.75/32"))
		if err := netlink.AddrDel(lo, &netlink.Addr{IPNet: vip}); err != nil {
			return err
		}
		return netlink.AddrAdd(eth0, &netlink.Addr{IPNet: vip})
	})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(l.Lint(), "\n")
	if want := "rs2: DR needs the VIP 192.168.0.75/32 on lo; rs2 has it on eth0"; got != want {
		t.Errorf("lint:\n%s\nwant:\n%s", got, want)
	}
}

func TestIPVSLintNamesWhatTunnellingLacks(t *testing.T) {
	needs.IPVS(t)
	topo := embedded(t, "tun", func(t *topology.Topology) {
		noDerive(t)
		t.Host("rs1").Sysctls = append(t.Host("rs1").Sysctls, topology.Sysctl{Key: "net.ipv4.conf.all.rp_filter", Value: "1"})
	})
	name, dir := uniqueName(t), t.TempDir()
	_, err := Up(context.Background(), topo, Options{Name: name, StateDir: dir})
	for _, want := range []string{
		"rs1: TUN needs the VIP 192.168.0.75/32 on tunl0; rs1 does not have it",
		"rs1: rp_filter is 1 on all; TUN needs 0 on tunl0 and all",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("the lint lacks %q:\n%v", want, err)
		}
	}
}

func TestIPVSDerivedSetUpPassesTheLintAndCarriesTraffic(t *testing.T) {
	needs.IPVS(t)
	for _, name := range []string{"dr", "tun"} {
		l := upTopologyWith(t, embedded(t, name, nil), Options{})
		if problems := l.Lint(); len(problems) > 0 {
			t.Errorf("%s: the derived set-up fails the lint: %v", name, problems)
		}
		resp, _, err := get(l, "client", "http://192.168.0.75/")
		if err != nil {
			t.Fatalf("%s: client → VIP: %v", name, err)
		}
		if c := resp.Header.Get(wire.ClientHeader); !strings.HasPrefix(c, "192.168.0.100:") {
			t.Errorf("%s: the real server saw client %q, want 192.168.0.100", name, c)
		}
	}
}

// TestIPVSIpvsadmListsRouteAndTunnel cross-checks the forwarding methods with Debian's ipvsadm.
func TestIPVSIpvsadmListsRouteAndTunnel(t *testing.T) {
	needs.IPVS(t)
	if _, err := exec.LookPath("ipvsadm"); err != nil {
		t.Skip("needs Debian's ipvsadm (apt-get install ipvsadm)")
	}
	for name, method := range map[string]string{"dr": "Route", "tun": "Tunnel"} {
		l := upTopologyWith(t, embedded(t, name, nil), Options{})
		var out bytes.Buffer
		cmd := exec.Command("ipvsadm", "-L", "-n")
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := l.Run(cmd, "director"); err != nil {
			t.Fatalf("ipvsadm: %v\n%s", err, out.String())
		}
		if n := strings.Count(out.String(), " "+method+" "); n != 2 {
			t.Errorf("%s: ipvsadm -L -n shows %d real servers as %s, want 2:\n%s", name, n, method, out.String())
		}
		snap, err := l.IPVS()
		if err != nil {
			t.Fatal(err)
		}
		var ours bytes.Buffer
		snap.WriteList(&ours)
		if ours.String() != out.String() {
			t.Errorf("%s: ipvsadm printed:\n%s\nlvslab's table reads:\n%s", name, out.String(), ours.String())
		}
	}
}

// TestIPVSTunnelTypesAsIpvsadmSeesThem programs GUE and GRE real servers, which moby/ipvs cannot, and
// cross-checks them with Debian's ipvsadm -S -n.
func TestIPVSTunnelTypesAsIpvsadmSeesThem(t *testing.T) {
	needs.IPVS(t)
	if _, err := exec.LookPath("ipvsadm"); err != nil {
		t.Skip("needs Debian's ipvsadm (apt-get install ipvsadm)")
	}
	topo := embedded(t, "tun", func(t *topology.Topology) {
		var table ipvsadm.Table
		for _, r := range []string{
			"-A -t 192.168.0.75:80 -s rr",
			"-a -t 192.168.0.75:80 -r 10.0.0.45 -i --tun-type gue --tun-port 6080 --tun-csum",
			"-a -t 192.168.0.75:80 -r 10.0.0.55 -i --tun-type gre",
		} {
			c, err := ipvsadm.ParseRule(r)
			if err == nil {
				err = table.Apply(c)
			}
			if err != nil {
				panic(err)
			}
		}
		t.IPVS.Services = table.Services
	})
	l := upTopologyWith(t, topo, Options{})
	var out bytes.Buffer
	cmd := exec.Command("ipvsadm", "-S", "-n")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := l.Run(cmd, "director"); err != nil {
		t.Fatalf("ipvsadm: %v\n%s", err, out.String())
	}
	for _, want := range []string{"-r 10.0.0.45:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum", "-r 10.0.0.55:80 -i -w 1 --tun-type gre --tun-nocsum"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("ipvsadm -S -n lacks %q:\n%s", want, out.String())
		}
	}
	snap, err := l.IPVS()
	if err != nil {
		t.Fatal(err)
	}
	var ours bytes.Buffer
	snap.Save(&ours)
	if ours.String() != out.String() {
		t.Errorf("ipvsadm -S -n printed:\n%s\nlvslab's table reads:\n%s", out.String(), ours.String())
	}
	for _, h := range []string{"rs1", "rs2"} {
		if resp, _, err := get(l, "client", "http://192.168.0.75/"); err != nil {
			t.Errorf("client → VIP (%s's turn): %v", h, err)
		} else if got := resp.Header.Get(wire.ServerHeader); got != "rs1" && got != "rs2" {
			t.Errorf("answered by %q", got)
		}
	}
}
