package ipvsadm

import (
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
)

// Snapshot is a table as the kernel reports it: the rules, with the counters of every service and real
// server. The lab reads one back after programming; ipvsadm -L prints the same thing.
type Snapshot struct {
	Table
	Version     string // the kernel's IPVS version, "1.2.1" on every kernel since 2.6.
	ConnTabSize int    // the connection hash table's size, 4096 by default
	Stats       map[ServiceKey]*ServiceStats
}

// Counters are IPVS's statistics, as ipvsadm -L --stats prints them. Read through netlink they lag up to
// two seconds behind the traffic: the kernel's estimator folds its per-CPU counters into them only that
// often (ParsePerCPUTotals reads the per-CPU counters themselves).
type Counters struct {
	Conns, InPkts, OutPkts, InBytes, OutBytes uint64
}

// ServiceStats are a service's counters and its real servers'.
type ServiceStats struct {
	Counters
	Dests map[netip.AddrPort]*DestStats
}

// DestStats are a real server's connection counts and counters.
type DestStats struct {
	ActiveConns, InactConns uint32
	Counters
}

func (s *Snapshot) service(k ServiceKey) *ServiceStats {
	if st := s.Stats[k]; st != nil {
		return st
	}
	return &ServiceStats{}
}

func (st *ServiceStats) dest(a netip.AddrPort) *DestStats {
	if d := st.Dests[a]; d != nil {
		return d
	}
	return &DestStats{}
}

// WriteList prints the snapshot as ipvsadm -L -n does, trailing spaces and sort order included.
func (s *Snapshot) WriteList(w io.Writer) error {
	var b strings.Builder
	s.header(&b)
	b.WriteString("Prot LocalAddress:Port Scheduler Flags\n")
	b.WriteString("  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n")
	for _, svc := range s.sorted() {
		b.WriteString(listService(svc) + "\n")
		st := s.service(svc.ServiceKey)
		for _, d := range sortedDests(svc) {
			ds := st.dest(d.Addr)
			fmt.Fprintf(&b, "  -> %-28s %-7s %-6d %-10d %-10d\n", listAddr(d.Addr), d.Method, d.Weight, ds.ActiveConns, ds.InactConns)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteStats prints the snapshot as ipvsadm -L -n --stats does.
func (s *Snapshot) WriteStats(w io.Writer) error {
	var b strings.Builder
	s.header(&b)
	fmt.Fprintf(&b, "%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n", "Prot LocalAddress:Port", "Conns", "InPkts", "OutPkts", "InBytes", "OutBytes")
	for _, svc := range s.sorted() {
		st := s.service(svc.ServiceKey)
		fmt.Fprintf(&b, "%-33s%s\n", serviceName(svc.ServiceKey), largenums(st.Counters))
		for _, d := range sortedDests(svc) {
			fmt.Fprintf(&b, "  -> %-28s%s\n", listAddr(d.Addr), largenums(st.dest(d.Addr).Counters))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (s *Snapshot) header(b *strings.Builder) {
	version, size := s.Version, s.ConnTabSize
	if version == "" {
		version = "1.2.1"
	}
	if size == 0 {
		size = 4096
	}
	fmt.Fprintf(b, "IP Virtual Server version %s (size=%d)\n", version, size)
}

func (s *Snapshot) sorted() []*Service {
	services := slices.Clone(s.Services)
	mergeSort(services, cmpServices)
	return services
}

func sortedDests(s *Service) []Dest {
	dests := slices.Clone(s.Dests)
	mergeSort(dests, cmpDests)
	return dests
}

// serviceName is "TCP  192.168.0.75:80" or "FWM  1", cut to 33 characters for IPv4 as ipvsadm does.
func serviceName(k ServiceKey) string {
	if k.IsFWMark() {
		if k.IPv6 {
			return fmt.Sprintf("FWM  %d IPv6", k.FWMark)
		}
		return fmt.Sprintf("FWM  %d", k.FWMark)
	}
	name := fmt.Sprintf("%-4s %s", k.Protocol, k.Addr)
	if k.Addr.Addr().Is4() && len(name) > 33 {
		name = name[:33]
	}
	return name
}

// listService is a service's line in the default listing: name, scheduler, flags, persistence.
func listService(s *Service) string {
	line := serviceName(s.ServiceKey) + " " + s.Scheduler
	if mask := schedFlagMask(s.SchedFlags); mask != 0 {
		line += " (" + strings.Join(schedFlagNames(s.Scheduler, mask), ",") + ")"
	}
	if s.Persistent {
		line += fmt.Sprintf(" persistent %d", s.Timeout)
		if m := s.Netmask; m.IsValid() && !isFullMask(m) {
			if s.is6() {
				line += fmt.Sprintf(" mask %d", maskBits(m))
			} else {
				line += " mask " + m.String()
			}
		}
		if s.PE != "" {
			line += " pe " + s.PE
		}
	}
	if s.OnePacket {
		line += " ops"
	}
	return line
}

func listAddr(a netip.AddrPort) string {
	s := a.String()
	if a.Addr().Is4() && len(s) > 28 {
		s = s[:28]
	}
	return s
}

func largenums(c Counters) string {
	return largenum(c.Conns) + largenum(c.InPkts) + largenum(c.OutPkts) + largenum(c.InBytes) + largenum(c.OutBytes)
}

// largenum is ipvsadm's print_largenum: nine columns, abbreviated with K, M, G, T (powers of 1000) when
// the number does not fit in eight digits.
func largenum(n uint64) string {
	switch {
	case n < 100000000:
		return fmt.Sprintf("%9d", n)
	case n < 1000000000:
		return fmt.Sprintf("%8dK", n/1000)
	case n < 100000000000:
		return fmt.Sprintf("%8dM", n/1000000)
	case n < 100000000000000:
		return fmt.Sprintf("%8dG", n/1000000000)
	}
	return fmt.Sprintf("%8dT", n/1000000000000)
}
