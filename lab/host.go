//go:build linux

package lab

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/lvslab/lvslab/internal/wait"
	"github.com/lvslab/lvslab/realserver"
	"github.com/lvslab/lvslab/topology"
)

// hostDefaults are set in every host namespace before the host's own sysctls, which may override them.
//
// A wide ephemeral port range lets one client open tens of thousands of connections without reusing a
// port that IPVS or the server still remembers in TIME_WAIT.
//
// Room for TIME_WAIT: a real server that closes first (HTTP/1.0, Connection: close: ab's and lvslab
// load's requests) keeps each connection for a minute in TIME_WAIT (or FIN_WAIT2), at most
// tcp_max_tw_buckets of them. A new namespace's limit follows the machine's memory: 4096 in a 1 GiB
// microVM, less than a minute of the tutorial's ab -n 10000 -c 100 brings to rs1. Over the limit the
// server forgets a connection at once, and answers the client's next segment with a reset that ab counts
// as a failed request (nstat: TcpExtTCPTimeWaitOverflow). One client address can give one server address
// and port at most 64512 of them (its port range above: a new connection on the same ports takes over the
// old one's TIME_WAIT); the limit holds four such clients, or one server closing over 4000 connections a
// second for the whole minute, more than the microVM's loads reach. An entry takes about a quarter of a
// KiB, and only while it is held.
var hostDefaults = []topology.Sysctl{
	{Key: "net.ipv4.ip_local_port_range", Value: "1024 65535"},
	{Key: "net.ipv4.tcp_max_tw_buckets", Value: strconv.Itoa(timeWaitRoom)},
}

// timeWaitRoom is tcp_max_tw_buckets in every host: four client addresses' ports, 4 × 65536.
const timeWaitRoom = 4 << 16

// configureHost runs inside the host's namespace once its interfaces exist: loopback, addresses, links up
// and shaped, sysctls, routes, the HTTP listener and the UDP socket; then it waits until every interface has carrier.
// The sockets are returned to hand to the server process; nil when the host serves nothing.
func configureHost(ctx context.Context, h *topology.Host) (*hostSockets, error) {
	nl, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return nil, err
	}
	defer nl.Close()
	lo, err := nl.LinkByName("lo")
	if err == nil {
		err = nl.LinkSetUp(lo)
	}
	if err != nil {
		return nil, fmt.Errorf("bringing up lo: %w", err)
	}
	links := make([]netlink.Link, len(h.Interfaces))
	for i, ifc := range h.Interfaces {
		link, err := nl.LinkByName(ifc.Name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ifc.Name, err)
		}
		if err := nl.AddrAdd(link, labAddr(ifc.Address)); err != nil {
			return nil, fmt.Errorf("adding %s to %s: %w", ifc.Address, ifc.Name, err)
		}
		if err := nl.LinkSetUp(link); err != nil {
			return nil, fmt.Errorf("bringing up %s: %w", ifc.Name, err)
		}
		if !ifc.Shape.IsZero() {
			if err := shapeLink(nl, link, ifc.Shape); err != nil {
				return nil, err
			}
		}
		links[i] = link
	}
	for _, s := range append(hostDefaults, h.Sysctls...) {
		if err := writeSysctl(s.Key, s.Value); err != nil {
			return nil, err
		}
	}
	for _, r := range routesOf(h, func(netip.Addr) bool { return true }) {
		if err := nl.RouteAdd(r.route); err != nil {
			return nil, fmt.Errorf("adding %s: %w", r.what, err)
		}
	}
	sockets, err := openServerSockets(h)
	if err != nil {
		return nil, err
	}
	if err := errors.Join(waitCarrier(ctx, nl, links), waitAddressesUsable(ctx, nl)); err != nil {
		if sockets != nil {
			sockets.Close()
		}
		return nil, err
	}
	return sockets, nil
}

// labAddr is a lab address as netlink adds it. An IPv6 address skips duplicate address detection: lab
// addresses are unique by construction, and DAD would leave them tentative, unusable, for a second or two
// after Up returned.
func labAddr(p netip.Prefix) *netlink.Addr {
	a := &netlink.Addr{IPNet: ipNet(p)}
	if p.Addr().Is6() {
		a.Flags = unix.IFA_F_NODAD
	}
	return a
}

// waitAddressesUsable polls until no global IPv6 address of the namespace is tentative (DAD still running,
// as for an address a user's sysctls or a derived VIP brought without NODAD); one whose DAD failed is an
// error.
func waitAddressesUsable(ctx context.Context, nl *netlink.Handle) error {
	failed := ""
	err := wait.Until(ctx, 5*time.Second, func() (bool, string) {
		addrs, err := nl.AddrList(nil, netlink.FAMILY_V6)
		if err != nil {
			return false, err.Error()
		}
		for _, a := range addrs {
			switch {
			case a.IP.IsLinkLocalUnicast():
			case a.Flags&unix.IFA_F_DADFAILED != 0:
				failed = a.IPNet.String()
				return true, ""
			case a.Flags&unix.IFA_F_TENTATIVE != 0:
				return false, fmt.Sprintf("%s is still tentative (duplicate address detection)", a.IPNet)
			}
		}
		return true, ""
	})
	if failed != "" {
		return fmt.Errorf("address %s failed duplicate address detection: another host on its network has it", failed)
	}
	return err
}

// openServerSockets opens the sockets of the host's servers in the current namespace, bound to all its
// addresses (a VIP added later on lo or tunl0 included); nil when it has no server.
func openServerSockets(h *topology.Host) (*hostSockets, error) {
	if h.HTTP == nil && h.UDP == nil {
		return nil, nil
	}
	s := &hostSockets{}
	var err error
	if h.HTTP != nil {
		if s.http, err = realserver.ListenTCP(h.HTTP.Port); err != nil {
			return nil, err
		}
	}
	if h.UDP != nil {
		if s.udp, err = realserver.ListenUDP(h.UDP.Port); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// waitCarrier polls until every link is operationally up (both ends of its veth are up).
func waitCarrier(ctx context.Context, nl *netlink.Handle, links []netlink.Link) error {
	return wait.Until(ctx, 5*time.Second, func() (bool, string) {
		for _, l := range links {
			cur, err := nl.LinkByIndex(l.Attrs().Index)
			if err != nil {
				return false, err.Error()
			}
			if cur.Attrs().OperState != netlink.OperUp {
				return false, fmt.Sprintf("%s is %s, want up", l.Attrs().Name, cur.Attrs().OperState)
			}
		}
		return true, ""
	})
}

// namedRoute is one of a host's routes, and how errors name it.
type namedRoute struct {
	route *netlink.Route
	what  string // "default route via 172.16.0.10", "route to 10.1.0.0/16 via 172.16.0.10"
}

// routesOf are the host's default route and its extra routes, those whose next hop via takes.
func routesOf(h *topology.Host, via func(netip.Addr) bool) []namedRoute {
	var out []namedRoute
	if h.Gateway.IsValid() && via(h.Gateway) {
		out = append(out, namedRoute{&netlink.Route{Gw: net.IP(h.Gateway.AsSlice())}, fmt.Sprintf("default route via %s", h.Gateway)})
	}
	for _, r := range h.Routes {
		if via(r.Via) {
			out = append(out, namedRoute{&netlink.Route{Dst: ipNet(r.To.Masked()), Gw: net.IP(r.Via.AsSlice())}, fmt.Sprintf("route to %s via %s", r.To, r.Via)})
		}
	}
	return out
}

// writeSysctl sets a /proc/sys value for the calling thread's network namespace ("net.ipv4.ip_forward";
// a key may also use '/' separators, for interface names that contain dots).
func writeSysctl(key, value string) error {
	path := key
	if !strings.Contains(key, "/") {
		path = strings.ReplaceAll(key, ".", "/")
	}
	if err := os.WriteFile("/proc/sys/"+path, []byte(value), 0); err != nil {
		return sysctlError(key, value, path, err)
	}
	return nil
}

// sysctlError says why the kernel would not take a sysctl, and what to do.
func sysctlError(key, value, path string, err error) error {
	kv := key + "=" + topology.Clip(value, 40)
	switch {
	case errors.Is(err, os.ErrNotExist) && existsOutsideLab("/proc/sys/"+path):
		return fmt.Errorf("sysctl %s is not per network namespace: a lab host cannot have its own (the machine's is shared by every namespace); drop it from the topology, or set it on the machine with sysctl -w", key)
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("sysctl %s does not exist in this kernel (%s); check its name with `sysctl -a | grep %s`", key, kernelRelease(), lastWord(key))
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ERANGE):
		return fmt.Errorf("the kernel refused %s (%v): the value is outside what it takes; see the kernel's ip-sysctl documentation for its range", kv, errors.Unwrap(err))
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("sysctl %s is not per network namespace (inside one it is read-only: %v), so a lab host cannot have its own; drop it from the topology, or set it on the machine with sysctl -w", key, errors.Unwrap(err))
	}
	return fmt.Errorf("setting sysctl %s: %w", kv, err)
}

// existsOutsideLab stats path from a thread of the root namespace (a new goroutine never runs on a thread
// locked into a lab namespace), where /proc/sys shows the machine's own settings.
func existsOutsideLab(path string) bool {
	found := make(chan bool)
	go func() {
		_, err := os.Stat(path)
		found <- err == nil
	}()
	return <-found
}

func kernelRelease() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return "release unknown"
	}
	return "Linux " + unix.ByteSliceToString(u.Release[:])
}

func lastWord(key string) string { return key[strings.LastIndexAny(key, "./")+1:] }

func ipNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: net.IP(p.Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}
