//go:build linux

package ipvsnl

import (
	"encoding/binary"
	mathbits "math/bits"
	"net"
	"net/netip"
	"syscall"

	"github.com/moby/ipvs"

	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// Kernel service flags (include/uapi/linux/ip_vs.h).
const (
	svcPersistent = 0x0001
	svcHashed     = 0x0002 // set by the kernel on every service it holds
	svcOnePacket  = 0x0004
	svcSchedShift = 3 // IP_VS_SVC_F_SCHED1 is 0x0008: -b flag-1 (sh-fallback, mh-fallback)
	svcSchedMask  = 0x0038
)

// mobyService translates a service into what moby/ipvs sends: the same attributes ipvsadm sends.
func mobyService(s *ipvsadm.Service) *ipvs.Service {
	out := &ipvs.Service{SchedName: s.Scheduler, PEName: s.PE, AddressFamily: serviceFamily(s)}
	if s.IsFWMark() {
		out.FWMark = s.FWMark
	} else {
		out.Protocol = uint16(s.Protocol)
		out.Address = net.IP(s.Addr.Addr().AsSlice())
		out.Port = s.Addr.Port()
	}
	if s.Persistent {
		out.Flags |= svcPersistent
		out.Timeout = s.Timeout
	}
	if s.OnePacket {
		out.Flags |= svcOnePacket
	}
	out.Flags |= uint32(s.SchedFlagMask()) << svcSchedShift
	out.Netmask = netmaskAttr(s.Netmask, out.AddressFamily == syscall.AF_INET6)
	return out
}

// netmaskAttr is the netmask as the kernel wants it: the mask's bytes in network order for IPv4 (moby sends
// the number in host order, so it is built from the bytes), the prefix length for IPv6. Unset means a
// full mask, which is what ipvsadm sends.
func netmaskAttr(m netip.Addr, v6 bool) uint32 {
	if v6 {
		if !m.IsValid() {
			return 128
		}
		bits := 0
		for _, b := range m.As16() { // a netmask: its ones, then its zeros
			bits += mathbits.OnesCount8(b)
		}
		return uint32(bits)
	}
	if !m.IsValid() {
		return 0xffffffff
	}
	b := m.As4()
	return binary.NativeEndian.Uint32(b[:])
}

// serviceFamily is the address family of a service: its address's, or -6 for a firewall-mark service.
func serviceFamily(s *ipvsadm.Service) uint16 {
	if s.IsFWMark() {
		if s.IPv6 {
			return syscall.AF_INET6
		}
		return syscall.AF_INET
	}
	return family(s.Addr.Addr())
}

func mobyDest(d *ipvsadm.Dest) *ipvs.Destination {
	return &ipvs.Destination{
		Address:         net.IP(d.Addr.Addr().AsSlice()),
		Port:            d.Addr.Port(),
		Weight:          d.Weight,
		ConnectionFlags: uint32(d.Method),
		AddressFamily:   family(d.Addr.Addr()),
		UpperThreshold:  d.UThreshold,
		LowerThreshold:  d.LThreshold,
	}
}

// fromMobyService translates back what the kernel reports, so that it compares with what was asked.
func fromMobyService(m *ipvs.Service) *ipvsadm.Service {
	s := &ipvsadm.Service{Scheduler: m.SchedName, PE: m.PEName}
	if m.FWMark != 0 {
		s.FWMark = m.FWMark
		s.IPv6 = m.AddressFamily == syscall.AF_INET6
	} else {
		s.Protocol = ipvsadm.Protocol(m.Protocol)
		s.Addr = netip.AddrPortFrom(addrOf(m.Address), m.Port)
	}
	s.Persistent = m.Flags&svcPersistent != 0
	if s.Persistent {
		s.Timeout = m.Timeout
		s.Netmask = netmaskOf(m.Netmask, m.AddressFamily == syscall.AF_INET6)
	}
	s.OnePacket = m.Flags&svcOnePacket != 0
	s.SchedFlags = ipvsadm.SchedFlagNames(s.Scheduler, uint8((m.Flags&svcSchedMask)>>svcSchedShift))
	return s
}

func netmaskOf(v uint32, v6 bool) netip.Addr {
	if v6 {
		if v > 128 {
			return netip.Addr{}
		}
		return maskAddr(int(v), 128)
	}
	var b [4]byte
	binary.NativeEndian.PutUint32(b[:], v)
	return netip.AddrFrom4(b)
}

// maskAddr is the netmask of a prefix length, as an address.
func maskAddr(bits, total int) netip.Addr {
	b := make([]byte, total/8)
	for i := 0; i < bits; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func fromMobyDest(m *ipvs.Destination) ipvsadm.Dest {
	return ipvsadm.Dest{
		Addr:       netip.AddrPortFrom(addrOf(m.Address), m.Port),
		Method:     ipvsadm.Method(m.ConnectionFlags & ipvs.ConnFwdMask),
		Weight:     m.Weight,
		UThreshold: m.UpperThreshold,
		LThreshold: m.LowerThreshold,
	}
}

func addrOf(ip net.IP) netip.Addr {
	a, _ := netip.AddrFromSlice(ip)
	return a.Unmap()
}

func countersOf(s ipvs.SvcStats) ipvsadm.Counters {
	return ipvsadm.Counters{Conns: uint64(s.Connections), InPkts: uint64(s.PacketsIn), OutPkts: uint64(s.PacketsOut),
		InBytes: s.BytesIn, OutBytes: s.BytesOut}
}
