package lab

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

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
	pathA, _ := l.Namespace("a")
	pathB, _ := l.Namespace("b")
	var capture int
	if err := inNamespace(pathB, func() (err error) { capture, err = captureIPv6("eth0"); return err }); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(capture)

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
		if err := awaitCounter("Icmp6OutMLDv2Reports", 1); err != nil {
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

	// An echo request to all nodes marks the end of what a sent; a second one, sent once the first has
	// arrived, leaves no room for an earlier frame still on its way.
	var seen []byte
	for id := uint16(1); id <= 2; id++ {
		if err := sendICMPv6(raw, "ff02::1", echoRequest, id); err != nil {
			t.Fatal(err)
		}
		got, err := readUntilEcho(capture, id)
		seen = append(seen, got...)
		if err != nil {
			t.Fatalf("b never saw a's echo request to all nodes (ICMPv6 seen: %v): %v", seen, err)
		}
	}
	for _, typ := range []byte{mldReport, mldDone, routerSolicitation, mld2Report} {
		if bytes.IndexByte(seen, typ) >= 0 {
			t.Errorf("b received ICMPv6 type %d from a through the lab's switch; the types it received: %v", typ, seen)
		}
	}

	err = inNamespace(netnsPath(NamespaceName(l.Name, switchHost)), func() error {
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
	tv := unix.NsecToTimeval(int64(5 * time.Second))
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// readUntilEcho reads incoming frames until an echo request with identifier id, and returns the ICMPv6
// types of every frame it read.
func readUntilEcho(fd int, id uint16) ([]byte, error) {
	var types []byte
	buf := make([]byte, 2048)
	for {
		n, from, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			return types, err
		}
		if ll, ok := from.(*unix.SockaddrLinklayer); ok && ll.Pkttype == unix.PACKET_OUTGOING {
			continue
		}
		typ, body, ok := icmpv6In(buf[:n])
		if !ok {
			continue
		}
		types = append(types, typ)
		if typ == echoRequest && len(body) >= 6 && binary.BigEndian.Uint16(body[4:]) == id {
			return types, nil
		}
	}
}

// icmpv6In finds the ICMPv6 message in an Ethernet frame, past a hop-by-hop header (MLD has one).
func icmpv6In(frame []byte) (typ byte, msg []byte, ok bool) {
	const eth, ip6 = 14, 40
	if len(frame) < eth+ip6 {
		return 0, nil, false
	}
	next, rest := frame[eth+6], frame[eth+ip6:]
	if next == 0 && len(rest) >= 8 { // hop-by-hop options
		next, rest = rest[0], rest[(int(rest[1])+1)*8:]
	}
	if next != unix.IPPROTO_ICMPV6 || len(rest) < 4 {
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

// awaitCounter waits until the calling thread's namespace has counted at least min of an ICMPv6 statistic.
func awaitCounter(name string, min int) error {
	return wait.Until(context.Background(), 5*time.Second, func() (bool, string) {
		data, err := os.ReadFile("/proc/thread-self/net/snmp6")
		if err != nil {
			return false, err.Error()
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == name {
				n, _ := strconv.Atoi(f[1])
				return n >= min, fmt.Sprintf("%s is %d, want %d", name, n, min)
			}
		}
		return false, name + " is not in snmp6"
	})
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
