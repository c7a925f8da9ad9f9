package ipvsadm

import (
	"fmt"
	"math/bits"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
)

// portNames are the only service names understood in place of a port number; lvslab reads no
// /etc/services, so other names must be written as numbers.
var portNames = map[string]uint16{"http": 80, "https": 443, "http-alt": 8080}

var tunnelTypes = []string{"ipip", "gue", "gre"}

func allDigits(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}

// parseNum reads a decimal number in min..max, as ipvsadm's string_to_number.
func parseNum(t token, what string, min, max uint64) (uint64, *SyntaxError) {
	digits := strings.TrimPrefix(t.text, "-")
	if !allDigits(digits) {
		return 0, errAt(t, "%s %q is not a number; allowed: %d..%d", what, t.text, min, max)
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || n < min || n > max || digits != t.text {
		return 0, errAt(t, "%s %s out of range %d..%d", what, t.text, min, max)
	}
	return n, nil
}

func parsePort(t token) (uint16, *SyntaxError) {
	if p, ok := portNames[t.text]; ok {
		return p, nil
	}
	if t.text == "" {
		return 0, errAt(t, "port missing after ':'; give a number 0..65535")
	}
	if !allDigits(t.text) {
		return 0, errAt(t, "unknown port name %q; give a number (the only names known are http https http-alt)", t.text)
	}
	n, err := parseNum(t, "port", 0, 65535)
	return uint16(n), err
}

// parseAddrPort reads host[:port] as ipvsadm's parse_service, for numeric hosts only: a.b.c.d[:port],
// [IPv6]:port, or a bare IPv6 address (no port: its colons are the address's). hasPort is false without a port.
func parseAddrPort(t token, what string) (ap netip.AddrPort, hasPort bool, err *SyntaxError) {
	s := t.text
	if rest, ok := strings.CutPrefix(s, "["); ok {
		host, port, ok := strings.Cut(rest, "]:")
		addr, perr := netip.ParseAddr(host)
		if !ok || perr != nil || !addr.Is6() || addr.Zone() != "" {
			return ap, false, errAt(t, "bad %s %q: want [IPv6-address]:port", what, s)
		}
		p, err := parsePort(token{port, t.off + len(host) + 3})
		return netip.AddrPortFrom(addr, p), true, err
	}
	if addr, perr := netip.ParseAddr(s); perr == nil && addr.Is6() && addr.Zone() == "" {
		return netip.AddrPortFrom(addr, 0), false, nil
	}
	host, port, hasPort := s, "", false
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		host, port, hasPort = s[:i], s[i+1:], true
	}
	addr, perr := netip.ParseAddr(host)
	if perr != nil || !addr.Is4() {
		return ap, false, errAt(t, "%s", addrProblem(what, s, host))
	}
	if !hasPort {
		return netip.AddrPortFrom(addr, 0), false, nil
	}
	p, err := parsePort(token{port, t.off + len(host) + 1})
	return netip.AddrPortFrom(addr, p), true, err
}

func addrProblem(what, s, host string) string {
	switch {
	case host == "":
		return fmt.Sprintf("%s %q has no address: want a.b.c.d:port or [IPv6-address]:port", what, s)
	case allDigits(host):
		return fmt.Sprintf("%s %q is not an address: want a.b.c.d:port", what, s)
	case !strings.Contains(host, ":") && strings.ContainsFunc(host, unicode.IsLetter):
		return fmt.Sprintf("%s %q is a host name: give a numeric address (lvslab does not resolve names)", what, host)
	}
	return fmt.Sprintf("bad %s %q: want a.b.c.d:port or [IPv6-address]:port", what, s)
}

// parseNetmask reads -M: a dotted mask for IPv4 services, a prefix length for IPv6 ones (kept as the mask
// address, so that Service.Netmask is an address in both families).
func parseNetmask(t token, ipv6 bool) (netip.Addr, *SyntaxError) {
	if ipv6 {
		n, err := parseNum(t, "IPv6 netmask (prefix length)", 1, 128)
		var b [16]byte
		for i := range int(n) {
			b[i/8] |= 0x80 >> (i % 8)
		}
		return netip.AddrFrom16(b), err
	}
	if allDigits(t.text) {
		return netip.Addr{}, errAt(t, "netmask %q: write an IPv4 mask dotted, like 255.255.255.0 (a prefix length is for IPv6 services)", t.text)
	}
	m, err := netip.ParseAddr(t.text)
	if err != nil || !m.Is4() {
		return netip.Addr{}, errAt(t, "bad netmask %q: want a dotted mask such as 255.255.255.0", t.text)
	}
	return m, nil
}

// isFullMask reports whether m is 255.255.255.255 or /128, the masks Service.Netmask leaves zero.
func isFullMask(m netip.Addr) bool { return maskBits(m) == m.BitLen() }

func maskBits(m netip.Addr) int {
	n := 0
	for _, b := range m.AsSlice() {
		n += bits.OnesCount8(b)
	}
	return n
}

// schedFlagBit gives the kernel's IP_VS_SVC_F_SCHED1..3 bit of each -b name: sh and mh rename the first two.
var schedFlagBit = map[string]uint8{
	"flag-1": 1, "flag-2": 2, "flag-3": 4,
	"sh-fallback": 1, "sh-port": 2, "mh-fallback": 1, "mh-port": 2,
}

// parseSchedFlags reads the -b list as ipvsadm's parse_sched_flags and returns the names -S prints for it.
// Unlike ipvsadm it refuses flag-3 with sh and mh: they ignore it and -S would not print it.
func parseSchedFlags(t token, sched string) ([]string, *SyntaxError) {
	var mask uint8
	off := t.off
	for f := range strings.SplitSeq(t.text, ",") {
		ft := token{f, off}
		off += len(f) + 1
		if f == "" {
			continue
		}
		bit, ok := schedFlagBit[f]
		owner, _, _ := strings.Cut(f, "-")
		switch {
		case !ok:
			return nil, errAt(ft, "unknown scheduler flag %q; allowed: flag-1 flag-2 flag-3 sh-fallback sh-port mh-fallback mh-port", f)
		case owner != "flag" && owner != sched:
			return nil, errAt(ft, "%s is only for -s %s (the scheduler here is %s)", f, owner, sched)
		case bit == 4 && (sched == "sh" || sched == "mh"):
			return nil, errAt(ft, "%s ignores flag-3; it takes %s-fallback and %s-port", sched, sched, sched)
		}
		mask |= bit
	}
	if mask == 0 {
		return nil, errAt(t, "no scheduler flag in %q; allowed: flag-1 flag-2 flag-3 sh-fallback sh-port mh-fallback mh-port", t.text)
	}
	return schedFlagNames(sched, mask), nil
}

// schedFlagNames gives the names ipvsadm prints for the flag bits of a scheduler (print_sched_flags).
func schedFlagNames(sched string, mask uint8) []string {
	names := []string{"flag-1", "flag-2", "flag-3"}
	if sched == "sh" || sched == "mh" {
		names = []string{sched + "-fallback", sched + "-port"}
	}
	var out []string
	for i, n := range names {
		if mask&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

func schedFlagMask(names []string) uint8 {
	var mask uint8
	for _, n := range names {
		mask |= schedFlagBit[n]
	}
	return mask
}
