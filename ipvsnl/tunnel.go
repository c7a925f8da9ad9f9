//go:build linux

package ipvsnl

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"syscall"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// moby/ipvs neither sends nor reads a real server's tunnel type (GUE, GRE), port and checksum flags, so
// lvslab speaks those few messages of the IPVS generic-netlink family itself (include/uapi/linux/ip_vs.h).
const (
	ipvsCmdNewDest = 5
	ipvsCmdSetDest = 6
	ipvsCmdGetDest = 8

	ipvsCmdAttrService = 1
	ipvsCmdAttrDest    = 2

	ipvsSvcAttrAF       = 1
	ipvsSvcAttrProtocol = 2
	ipvsSvcAttrAddr     = 3
	ipvsSvcAttrPort     = 4
	ipvsSvcAttrFWMark   = 5

	ipvsDestAttrAddr                    = 1
	ipvsDestAttrPort                    = 2
	ipvsDestAttrFwd                     = 3
	ipvsDestAttrWeight                  = 4
	ipvsDestAttrUThresh                 = 5
	ipvsDestAttrLThresh                 = 6
	ipvsDestAttrAF                      = 11
	ipvsDestAttrTunType                 = 13
	ipvsDestAttrTunPort                 = 14
	ipvsDestAttrTunFlags                = 15
	tunTypeIPIP, tunTypeGUE, tunTypeGRE = 0, 1, 2
)

var tunTypes = map[string]uint8{"": tunTypeIPIP, "ipip": tunTypeIPIP, "gue": tunTypeGUE, "gre": tunTypeGRE}

var tunChecksums = map[string]uint16{"": 0, "nocsum": 0, "csum": 1, "remcsum": 2}

// needsOwnTunnelMessage reports a real server whose tunnel options moby/ipvs would drop.
func needsOwnTunnelMessage(d ipvsadm.Dest) bool {
	return d.Method == ipvsadm.Tunnel && tunTypes[d.Tunnel.Type] != tunTypeIPIP
}

// ipvsSocket opens a generic-netlink socket in the namespace at path and finds the IPVS family.
func ipvsSocket(path string) (*nl.NetlinkSocket, int, error) {
	fam, err := netlink.GenlFamilyGet("IPVS")
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrNoIPVS, err)
	}
	ns, err := netns.GetFromPath(path)
	if err != nil {
		return nil, 0, err
	}
	defer ns.Close()
	s, err := nl.GetNetlinkSocketAt(ns, netns.None(), unix.NETLINK_GENERIC)
	return s, int(fam.ID), err
}

// putTunnelDest adds (or, with edit, changes) a real server with its tunnel options, as ipvsadm -a/-e -i
// --tun-type does.
func putTunnelDest(path string, s *ipvsadm.Service, d ipvsadm.Dest, edit bool) error {
	sock, fam, err := ipvsSocket(path)
	if err != nil {
		return err
	}
	defer sock.Close()
	cmd := uint8(ipvsCmdNewDest)
	if edit {
		cmd = ipvsCmdSetDest
	}
	req := nl.NewNetlinkRequest(fam, unix.NLM_F_ACK)
	req.AddData(&nl.Genlmsg{Command: cmd, Version: 1})
	req.AddData(serviceAttr(s))
	dest := nl.NewRtAttr(ipvsCmdAttrDest|unix.NLA_F_NESTED, nil)
	dest.AddRtAttr(ipvsDestAttrAddr, addrBytes(d.Addr.Addr()))
	dest.AddRtAttr(ipvsDestAttrPort, be16(d.Addr.Port()))
	dest.AddRtAttr(ipvsDestAttrFwd, nl.Uint32Attr(uint32(d.Method)))
	dest.AddRtAttr(ipvsDestAttrWeight, nl.Uint32Attr(uint32(d.Weight)))
	dest.AddRtAttr(ipvsDestAttrUThresh, nl.Uint32Attr(d.UThreshold))
	dest.AddRtAttr(ipvsDestAttrLThresh, nl.Uint32Attr(d.LThreshold))
	dest.AddRtAttr(ipvsDestAttrAF, nl.Uint16Attr(family(d.Addr.Addr())))
	dest.AddRtAttr(ipvsDestAttrTunType, []byte{tunTypes[d.Tunnel.Type]})
	dest.AddRtAttr(ipvsDestAttrTunPort, be16(d.Tunnel.Port))
	dest.AddRtAttr(ipvsDestAttrTunFlags, nl.Uint16Attr(tunChecksums[d.Tunnel.Checksum]))
	req.AddData(dest)
	_, err = genlExchange(sock, req)
	return err
}

// tunnelOptions reads back the tunnel options of a service's real servers.
func tunnelOptions(path string, s *ipvsadm.Service) (map[netip.AddrPort]ipvsadm.TunnelOptions, error) {
	sock, fam, err := ipvsSocket(path)
	if err != nil {
		return nil, err
	}
	defer sock.Close()
	req := nl.NewNetlinkRequest(fam, unix.NLM_F_DUMP)
	req.AddData(&nl.Genlmsg{Command: ipvsCmdGetDest, Version: 1})
	req.AddData(serviceAttr(s))
	msgs, err := genlExchange(sock, req)
	if err != nil {
		return nil, err
	}
	out := map[netip.AddrPort]ipvsadm.TunnelOptions{}
	for _, m := range msgs {
		if len(m) < 4 {
			continue
		}
		attrs, err := nl.ParseRouteAttr(m[4:]) // after the generic-netlink header
		if err != nil {
			return nil, err
		}
		for _, a := range attrs {
			if a.Attr.Type&nl.NLA_TYPE_MASK != ipvsCmdAttrDest {
				continue
			}
			addr, opts, err := parseTunnelDest(a.Value)
			if err != nil {
				return nil, err
			}
			out[addr] = opts
		}
	}
	return out, nil
}

func parseTunnelDest(b []byte) (netip.AddrPort, ipvsadm.TunnelOptions, error) {
	attrs, err := nl.ParseRouteAttr(b)
	if err != nil {
		return netip.AddrPort{}, ipvsadm.TunnelOptions{}, err
	}
	var raw []byte
	var port uint16
	var af uint16 = syscall.AF_INET
	opts := ipvsadm.TunnelOptions{}
	for _, a := range attrs {
		switch a.Attr.Type & nl.NLA_TYPE_MASK {
		case ipvsDestAttrAddr:
			raw = a.Value
		case ipvsDestAttrPort:
			port = binary.BigEndian.Uint16(a.Value)
		case ipvsDestAttrAF:
			af = nl.NativeEndian().Uint16(a.Value)
		case ipvsDestAttrTunType:
			for name, t := range tunTypes {
				if name != "" && t == a.Value[0] {
					opts.Type = name
				}
			}
		case ipvsDestAttrTunPort:
			opts.Port = binary.BigEndian.Uint16(a.Value)
		case ipvsDestAttrTunFlags:
			f := nl.NativeEndian().Uint16(a.Value)
			for name, v := range tunChecksums {
				if name != "" && v == f {
					opts.Checksum = name
				}
			}
		}
	}
	if af == syscall.AF_INET && len(raw) >= 4 {
		raw = raw[:4]
	}
	ip, ok := netip.AddrFromSlice(raw)
	if !ok {
		return netip.AddrPort{}, opts, errors.New("a real server without an address in the kernel's answer")
	}
	return netip.AddrPortFrom(ip.Unmap(), port), opts, nil
}

func serviceAttr(s *ipvsadm.Service) *nl.RtAttr {
	a := nl.NewRtAttr(ipvsCmdAttrService|unix.NLA_F_NESTED, nil)
	a.AddRtAttr(ipvsSvcAttrAF, nl.Uint16Attr(serviceFamily(s)))
	if s.IsFWMark() {
		a.AddRtAttr(ipvsSvcAttrFWMark, nl.Uint32Attr(s.FWMark))
		return a
	}
	a.AddRtAttr(ipvsSvcAttrProtocol, nl.Uint16Attr(uint16(s.Protocol)))
	a.AddRtAttr(ipvsSvcAttrAddr, addrBytes(s.Addr.Addr()))
	a.AddRtAttr(ipvsSvcAttrPort, be16(s.Addr.Port()))
	return a
}

// genlExchange sends req and collects the answers until the kernel says it is done, or returns its error.
func genlExchange(s *nl.NetlinkSocket, req *nl.NetlinkRequest) ([][]byte, error) {
	if err := s.Send(req); err != nil {
		return nil, err
	}
	var out [][]byte
	for {
		msgs, _, err := s.Receive()
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			if m.Header.Seq != req.Seq {
				continue
			}
			switch m.Header.Type {
			case unix.NLMSG_DONE:
				return out, nil
			case unix.NLMSG_ERROR:
				if code := int32(nl.NativeEndian().Uint32(m.Data[0:4])); code != 0 {
					return nil, syscall.Errno(-code)
				}
				return out, nil
			}
			out = append(out, m.Data)
			if m.Header.Flags&unix.NLM_F_MULTI == 0 {
				return out, nil
			}
		}
	}
}

func addrBytes(a netip.Addr) []byte {
	if a.Is4() {
		b := a.As4()
		return b[:]
	}
	b := a.As16()
	return b[:]
}

func family(a netip.Addr) uint16 {
	if a.Is4() {
		return syscall.AF_INET
	}
	return syscall.AF_INET6
}

func be16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
