package ipvsadm

import (
	"fmt"
	"strconv"
	"strings"
)

// serviceRule prints a service after -A as ipvsadm -S -n does (print_service_entry with FMT_RULE).
func serviceRule(s *Service) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s -s %s", s.Option(), s.Scheduler)
	if s.Persistent {
		fmt.Fprintf(&b, " -p %d", s.Timeout)
		if m := s.Netmask; m.IsValid() && !isFullMask(m) {
			if s.is6() {
				b.WriteString(" -M " + strconv.Itoa(maskBits(m)))
			} else {
				b.WriteString(" -M " + m.String())
			}
		}
	}
	if s.PE != "" {
		b.WriteString(" --pe " + s.PE)
	}
	if s.OnePacket {
		b.WriteString(" -o")
	}
	if mask := schedFlagMask(s.SchedFlags); mask != 0 {
		b.WriteString(" -b " + strings.Join(schedFlagNames(s.Scheduler, mask), ","))
	}
	return b.String()
}

// destRule prints a real server after -a as ipvsadm -S -n does: thresholds are not saved.
func destRule(k ServiceKey, d *Dest) string {
	s := fmt.Sprintf("%s -r %s %s -w %d", k.Option(), d.Addr, d.Method.Flag(), d.Weight)
	if d.Method != Tunnel {
		return s
	}
	switch d.Tunnel.Type {
	case "gue":
		return s + fmt.Sprintf(" --tun-type gue --tun-port %d --tun-%s", d.Tunnel.Port, checksum(d.Tunnel))
	case "gre":
		return s + " --tun-type gre --tun-" + checksum(d.Tunnel)
	}
	return s + " --tun-type ipip"
}

func checksum(t TunnelOptions) string {
	if t.Checksum == "" {
		return checksumNames[0]
	}
	return t.Checksum
}
