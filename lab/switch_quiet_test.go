package lab

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/lvslab/lvslab/internal/wait"
	"github.com/lvslab/lvslab/topology"
)

const twoHostLab = `name: quiet
networks:
  lan: {subnet: 10.9.0.0/24}
hosts:
  a: {interfaces: [{network: lan, address: 10.9.0.1/24}]}
  b: {interfaces: [{network: lan, address: 10.9.0.2/24}]}
`

// A host never receives another host's MLD reports or router solicitations: flooded to every port, n hosts
// made n² deliveries, and a thousand real servers spent more on them than on building the lab. Other IPv6
// multicast still reaches every host. And the switch forwards without bridge netfilter where the machine
// has it.
func TestSwitchKeepsMLDReportsAndRouterSolicitationsFromHosts(t *testing.T) {
	topo, err := topology.Parse("quiet.yaml", []byte(twoHostLab))
	if err != nil {
		t.Fatal(err)
	}
	l := upTopology(t, topo)
	if len(l.Notes) > 0 {
		t.Fatalf("the lab came up with notes: %q", l.Notes)
	}
	pathA, _ := l.Namespace("a")
	pathB, _ := l.Namespace("b")
	switchNS := NamespaceName(l.Name, switchHost)
	var capture int
	if err := inNamespace(pathB, func() (err error) { capture, err = captureIPv6("eth0"); return err }); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(capture)
	before, err := droppedAtSwitch(switchNS)
	if err != nil {
		t.Fatal(err)
	}

	var raw int
	var group *os.File
	err = inNamespace(pathA, func() error {
		eth0, err := net.InterfaceByName("eth0")
		if err != nil {
			return err
		}
		if err := awaitLinkLocal(eth0.Index); err != nil {
			return err
		}
		// Joining a group makes the kernel send an MLDv2 report, with its hop-by-hop header.
		if group, err = joinGroup(eth0.Index, "ff12::1234"); err != nil {
			return err
		}
		if raw, err = icmpv6Socket(eth0.Index); err != nil {
			return err
		}
		return sendICMPv6(raw, "ff02::2", routerSolicitation, 0)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(raw)
	defer group.Close()
	// Once the switch has counted them, they are gone: no copy can still be on its way to b.
	err = wait.Until(context.Background(), 5*time.Second, func() (bool, string) {
		now, err := droppedAtSwitch(switchNS)
		if err != nil {
			return false, err.Error()
		}
		return now[0] > before[0] && now[1] > before[1], fmt.Sprintf("the switch dropped %v (router solicitations and MLDv1, MLDv2), %v before a sent its own", now, before)
	})
	if err != nil {
		t.Fatal(err)
	}

	// An echo request to all nodes marks the end of what b could have received.
	if err := sendICMPv6(raw, "ff02::1", echoRequest, 1); err != nil {
		t.Fatal(err)
	}
	seen, err := readUntil(capture, func(typ byte, msg []byte) bool {
		return typ == echoRequest && binary.BigEndian.Uint16(msg[4:]) == 1
	})
	if err != nil {
		t.Fatalf("b never saw a's echo request to all nodes (ICMPv6 seen: %v): %v", seen, err)
	}
	for _, typ := range []byte{mldReport, mldDone, routerSolicitation, mld2Report} {
		if bytes.IndexByte(seen, typ) >= 0 {
			t.Errorf("b received ICMPv6 type %d from a through the lab's switch; the types it received: %v", typ, seen)
		}
	}

	// The control: without the switch's table, b sees a's router solicitation.
	err = withNftables(netnsPath(switchNS), func(c *nftables.Conn) error {
		c.DelTable(&nftables.Table{Name: switchTable, Family: nftables.TableFamilyBridge})
		return c.Flush()
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := sendICMPv6(raw, "ff02::2", routerSolicitation, 0); err != nil {
		t.Fatal(err)
	}
	if seen, err := readUntil(capture, func(typ byte, _ []byte) bool { return typ == routerSolicitation }); err != nil {
		t.Fatalf("the capture missed a's router solicitation once the switch let it through (ICMPv6 seen: %v): %v", seen, err)
	}

	err = inNamespace(netnsPath(switchNS), func() error {
		for _, family := range []string{"arptables", "iptables", "ip6tables"} {
			v, err := os.ReadFile("/proc/sys/net/bridge/bridge-nf-call-" + family)
			if errors.Is(err, os.ErrNotExist) {
				continue // no br_netfilter on this machine
			}
			if err != nil || strings.TrimSpace(string(v)) != "0" {
				return fmt.Errorf("bridge-nf-call-%s in the switch is %q (%v), want 0", family, v, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

// Where nftables has no bridge family, the lab comes up all the same, with a note that says what it lacks.
func TestLabComesUpWithANoteWhereTheSwitchCannotDrop(t *testing.T) {
	topo, err := topology.Parse("quiet.yaml", []byte(twoHostLab))
	if err != nil {
		t.Fatal(err)
	}
	testHookNoBridgeNftables = unix.EOPNOTSUPP
	defer func() { testHookNoBridgeNftables = nil }()
	l := upTopology(t, topo)
	if len(l.Notes) != 1 || !strings.Contains(l.Notes[0], "needs nftables' bridge family") || !strings.Contains(l.Notes[0], unix.EOPNOTSUPP.Error()) {
		t.Errorf("notes %q, want one saying the switch needs nftables' bridge family, and why it failed", l.Notes)
	}
	if _, err := droppedAtSwitch(NamespaceName(l.Name, switchHost)); err == nil {
		t.Error("the switch has the drop rules although nftables failed")
	}
}

// droppedAtSwitch reads the packet counters of the switch's two drop rules: router solicitations and
// MLDv1, then MLDv2 reports.
func droppedAtSwitch(switchNS string) (counts [2]uint64, err error) {
	err = withNftables(netnsPath(switchNS), func(c *nftables.Conn) error {
		table := &nftables.Table{Name: switchTable, Family: nftables.TableFamilyBridge}
		rules, err := c.GetRules(table, &nftables.Chain{Name: switchChain, Table: table})
		if err != nil {
			return fmt.Errorf("the switch's rules: %w", err)
		}
		if len(rules) != 2 {
			return fmt.Errorf("the switch has %d rules in %s, want 2", len(rules), switchChain)
		}
		for i, r := range rules {
			for _, e := range r.Exprs {
				if c, ok := e.(*expr.Counter); ok {
					counts[i] = c.Packets
				}
			}
		}
		return nil
	})
	return counts, err
}

const echoRequest = 128

// captureIPv6 opens a packet socket on ifname that receives its IPv6 frames, as tcpdump would.
func captureIPv6(ifname string) (int, error) {
	ifc, err := net.InterfaceByName(ifname)
	if err != nil {
		return -1, err
	}
	proto := int(htons(unix.ETH_P_IPV6))
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		return -1, err
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: uint16(proto), Ifindex: ifc.Index}); err != nil {
		unix.Close(fd)
		return -1, err
	}
	tv := unix.NsecToTimeval(int64(100 * time.Millisecond)) // each read; readUntil has the deadline
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// readUntil reads incoming frames, for at most 5 s, until one holds an ICMPv6 message done says is the
// last it wants, and returns the ICMPv6 types of every frame it read.
func readUntil(fd int, done func(typ byte, msg []byte) bool) ([]byte, error) {
	var types []byte
	buf := make([]byte, 2048)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		n, from, err := unix.Recvfrom(fd, buf, 0)
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return types, err
		}
		if ll, ok := from.(*unix.SockaddrLinklayer); ok && ll.Pkttype == unix.PACKET_OUTGOING {
			continue
		}
		typ, msg, ok := icmpv6In(buf[:n])
		if !ok {
			continue
		}
		types = append(types, typ)
		if done(typ, msg) {
			return types, nil
		}
	}
	return types, errors.New("nothing of the kind within 5s")
}

// icmpv6In finds the ICMPv6 message in an Ethernet frame, past a hop-by-hop header (MLD has one).
func icmpv6In(frame []byte) (typ byte, msg []byte, ok bool) {
	const eth, ip6 = 14, 40
	if len(frame) < eth+ip6 {
		return 0, nil, false
	}
	next, rest := frame[eth+6], frame[eth+ip6:]
	if next == 0 && len(rest) >= 8 && len(rest) >= (int(rest[1])+1)*8 { // hop-by-hop options
		next, rest = rest[0], rest[(int(rest[1])+1)*8:]
	}
	if next != unix.IPPROTO_ICMPV6 || len(rest) < 8 {
		return 0, nil, false
	}
	return rest[0], rest, true
}

// awaitLinkLocal waits until the interface's link-local address has passed duplicate address detection:
// messages to link-scope groups leave from it.
func awaitLinkLocal(index int) error {
	return wait.Until(context.Background(), 5*time.Second, func() (bool, string) {
		addrs, err := netlink.AddrList(&netlink.Device{LinkAttrs: netlink.LinkAttrs{Index: index}}, netlink.FAMILY_V6)
		if err != nil {
			return false, err.Error()
		}
		for _, a := range addrs {
			if a.IP.IsLinkLocalUnicast() && a.Flags&unix.IFA_F_TENTATIVE == 0 {
				return true, ""
			}
		}
		return false, fmt.Sprintf("no usable link-local address: %v", addrs)
	})
}

func joinGroup(index int, group string) (*os.File, error) {
	fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	mreq := &unix.IPv6Mreq{Interface: uint32(index)}
	copy(mreq.Multiaddr[:], net.ParseIP(group).To16())
	if err := unix.SetsockoptIPv6Mreq(fd, unix.IPPROTO_IPV6, unix.IPV6_JOIN_GROUP, mreq); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), "group"), nil
}

// icmpv6Socket is a raw ICMPv6 socket that sends multicast out of the interface; the kernel fills in the
// checksum.
func icmpv6Socket(index int) (int, error) {
	fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_ICMPV6)
	if err != nil {
		return -1, err
	}
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_IF, index); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS, 255); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

func sendICMPv6(fd int, to string, typ byte, id uint16) error {
	msg := []byte{typ, 0, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint16(msg[4:], id)
	sa := &unix.SockaddrInet6{}
	copy(sa.Addr[:], net.ParseIP(to).To16())
	return unix.Sendto(fd, msg, 0, sa)
}
