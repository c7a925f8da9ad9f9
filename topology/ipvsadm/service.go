// Package ipvsadm speaks ipvsadm's language: the services and real servers of an IPVS table, the rule lines
// that build one (-A -E -D -C -a -e -d), and the formats ipvsadm prints (-S).
//
// It is a leaf package: the topology embeds its Service type, the lab programs the kernel from it, and
// nothing here touches the kernel.
package ipvsadm

import (
	"fmt"
	"net/netip"
	"strings"
)

// Protocol is the transport protocol of a virtual service. Firewall-mark services have no protocol.
type Protocol uint8

// Kernel protocol numbers, as ipvsadm sorts by them (TCP < UDP < SCTP).
const (
	TCP  Protocol = 6
	UDP  Protocol = 17
	SCTP Protocol = 132
)

func (p Protocol) String() string {
	switch p {
	case TCP:
		return "TCP"
	case UDP:
		return "UDP"
	case SCTP:
		return "SCTP"
	}
	return fmt.Sprintf("IP_%d", uint8(p))
}

// Method is a real server's packet-forwarding method. Values are the kernel's IP_VS_CONN_F_FWD_MASK codes.
type Method uint8

const (
	Masq   Method = 0 // NAT, ipvsadm -m
	Local  Method = 1 // local node
	Tunnel Method = 2 // IP-in-IP, GUE or GRE, ipvsadm -i
	Route  Method = 3 // direct routing, ipvsadm -g (ipvsadm's default)
)

// String gives the name ipvsadm -L prints in the Forward column.
func (m Method) String() string {
	switch m {
	case Masq:
		return "Masq"
	case Local:
		return "Local"
	case Tunnel:
		return "Tunnel"
	case Route:
		return "Route"
	}
	return fmt.Sprintf("Method(%d)", uint8(m))
}

// Flag gives the ipvsadm option that selects the method (-m, -g, -i); Local is saved as -g, as ipvsadm does.
func (m Method) Flag() string {
	switch m {
	case Masq:
		return "-m"
	case Tunnel:
		return "-i"
	}
	return "-g"
}

// SchedulerInfo is one of the kernel's schedulers: its name (ipvsadm -s), and the first Linux release
// that has it.
type SchedulerInfo struct {
	Name  string
	Since string
}

// Module is the kernel module that holds the scheduler.
func (s SchedulerInfo) Module() string { return "ip_vs_" + s.Name }

// SchedulerRegistry is every scheduler the kernel ships, in the order ipvsadm's man page gives them: the
// one list that the rule parser, lvslab's model of the schedulers and the microVM's modules follow.
var SchedulerRegistry = []SchedulerInfo{
	{"rr", "2.6"}, {"wrr", "2.6"}, {"lc", "2.6"}, {"wlc", "2.6"}, {"lblc", "2.6"}, {"lblcr", "2.6"},
	{"dh", "2.6"}, {"sh", "2.6"}, {"sed", "2.6.12"}, {"nq", "2.6.12"}, {"fo", "3.18"}, {"ovf", "4.3"},
	{"mh", "4.18"}, {"twos", "6.7"},
}

// Schedulers are the names of SchedulerRegistry, in its order.
var Schedulers = func() []string {
	names := make([]string, len(SchedulerRegistry))
	for i, s := range SchedulerRegistry {
		names[i] = s.Name
	}
	return names
}()

// DefaultScheduler is what ipvsadm uses when -s is omitted, on -A and on -E alike.
const DefaultScheduler = "wlc"

// DefaultPersistence is ipvsadm's -p timeout when none is given (the man page's 300 is wrong).
const DefaultPersistence = 360

// KnownScheduler reports whether name is a kernel scheduler.
func KnownScheduler(name string) bool {
	for _, s := range Schedulers {
		if s == name {
			return true
		}
	}
	return false
}

// ServiceKey identifies a virtual service: a protocol and address, or a firewall mark.
type ServiceKey struct {
	Protocol Protocol       // zero for a firewall-mark service
	Addr     netip.AddrPort // zero for a firewall-mark service
	FWMark   uint32         // non-zero for a firewall-mark service
	IPv6     bool           // firewall-mark services only: the -6 option
}

// IsFWMark reports whether the key names a firewall-mark service.
func (k ServiceKey) IsFWMark() bool { return k.FWMark != 0 }

// Option gives the ipvsadm option naming the service: "-t 192.168.0.75:80", "-u ...", "--sctp-service ..."
// or "-f 1".
func (k ServiceKey) Option() string {
	switch {
	case k.IsFWMark():
		if k.IPv6 {
			return fmt.Sprintf("-f %d -6", k.FWMark)
		}
		return fmt.Sprintf("-f %d", k.FWMark)
	case k.Protocol == UDP:
		return "-u " + k.Addr.String()
	case k.Protocol == SCTP:
		return "--sctp-service " + k.Addr.String()
	}
	return "-t " + k.Addr.String()
}

func (k ServiceKey) String() string {
	if k.IsFWMark() {
		return fmt.Sprintf("FWM %d", k.FWMark)
	}
	return k.Protocol.String() + " " + k.Addr.String()
}

// Service is a virtual service with its settings and its real servers.
type Service struct {
	ServiceKey
	Scheduler  string
	SchedFlags []string // -b: sh-fallback, sh-port, mh-fallback, mh-port, flag-1, flag-2, flag-3
	Persistent bool
	Timeout    uint32     // -p seconds, when Persistent
	Netmask    netip.Addr // -M, when Persistent; zero means 255.255.255.255 (/128 for IPv6)
	OnePacket  bool       // -o
	PE         string     // --pe, a persistence engine such as "sip"

	// Dests are in the kernel's list order: the most recently added real server first. Every scheduler
	// scans from the head, so this order decides ties.
	Dests []Dest
}

// Dest is a real server of a service.
type Dest struct {
	Addr       netip.AddrPort
	Method     Method
	Weight     int
	UThreshold uint32 // -x, 0 = none
	LThreshold uint32 // -y, 0 = none
	Tunnel     TunnelOptions
}

// TunnelOptions are the --tun-* options of a tunnelling (-i) real server.
type TunnelOptions struct {
	Type     string // "ipip" (default), "gue" or "gre"
	Port     uint16 // GUE only
	Checksum string // "nocsum" (default), "csum", "remcsum"
}

// Dest returns the service's real server at addr, or nil.
func (s *Service) Dest(addr netip.AddrPort) *Dest {
	for i := range s.Dests {
		if s.Dests[i].Addr == addr {
			return &s.Dests[i]
		}
	}
	return nil
}

// SchedFlagMask is SchedFlags as the kernel's bits, shifted down: 1 is IP_VS_SVC_F_SCHED1 (flag-1,
// sh-fallback, mh-fallback), 2 is SCHED2, 4 is SCHED3.
func (s *Service) SchedFlagMask() uint8 { return schedFlagMask(s.SchedFlags) }

// SchedFlagNames gives the -b names of a scheduler's flag bits (as SchedFlagMask counts them), as
// ipvsadm prints them.
func SchedFlagNames(sched string, mask uint8) []string { return schedFlagNames(sched, mask) }

// SchedFlagList formats SchedFlags as ipvsadm's -b argument.
func (s *Service) SchedFlagList() string { return strings.Join(s.SchedFlags, ",") }
