package ipvsadm

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Conn is one entry of the director's connection table (ipvsadm -L -c, /proc/net/ip_vs_conn): a client's
// connection to a virtual service and the real server IPVS sent it to, or a persistence template (its
// client port 0).
type Conn struct {
	Protocol Protocol // TCP, UDP, SCTP; 0 ("IP") for a firewall-mark service's template
	Client   netip.AddrPort
	Virtual  netip.AddrPort
	Dest     netip.AddrPort
	State    string // ESTABLISHED, TIME_WAIT, CLOSE, UDP, NONE (a template), …
	Expires  int    // seconds left
}

// connHeader is the first line the kernel writes (ip_vs_conn.c, ip_vs_conn_seq_show).
const connHeader = "Pro FromIP"

// ParseConns reads the director's connection table as the kernel prints it in /proc/net/ip_vs_conn: a
// header line, then one line per entry, IPv4 addresses and every port in hexadecimal, IPv6 addresses in
// full. The text comes from outside lvslab, so every field is checked; a line that does not fit is an
// error that quotes it.
func ParseConns(data []byte) ([]Conn, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 512), 4096)
	var out []Conn
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if n == 1 {
			if !strings.HasPrefix(line, connHeader) {
				return nil, fmt.Errorf("connection table: line 1 is %q, want the kernel's header %q…", clip(line), connHeader)
			}
			continue
		}
		c, err := parseConn(line)
		if err != nil {
			return nil, fmt.Errorf("connection table: line %d %q: %w", n, clip(line), err)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("connection table: %w", err)
	}
	return out, nil
}

func parseConn(line string) (Conn, error) {
	f := strings.Fields(line)
	if len(f) < 9 {
		return Conn{}, fmt.Errorf("%d fields, want at least 9 (Pro FromIP FPrt ToIP TPrt DestIP DPrt State Expires)", len(f))
	}
	var c Conn
	var err error
	switch f[0] {
	case "TCP":
		c.Protocol = TCP
	case "UDP":
		c.Protocol = UDP
	case "SCTP":
		c.Protocol = SCTP
	case "IP":
	default:
		return Conn{}, fmt.Errorf("protocol %q, want TCP, UDP, SCTP or IP", f[0])
	}
	if c.Client, err = connAddrPort(f[1], f[2]); err != nil {
		return Conn{}, fmt.Errorf("client: %w", err)
	}
	if c.Virtual, err = connAddrPort(f[3], f[4]); err != nil {
		return Conn{}, fmt.Errorf("virtual address: %w", err)
	}
	if c.Dest, err = connAddrPort(f[5], f[6]); err != nil {
		return Conn{}, fmt.Errorf("real server: %w", err)
	}
	c.State = f[7]
	exp, err := strconv.ParseUint(f[8], 10, 31)
	if err != nil {
		return Conn{}, fmt.Errorf("expires %q: want seconds", f[8])
	}
	c.Expires = int(exp)
	return c, nil
}

// connAddrPort reads an address as the kernel prints it (IPv4 as 8 hex digits, IPv6 in full) and a port
// as 4 hex digits.
func connAddrPort(addr, port string) (netip.AddrPort, error) {
	var a netip.Addr
	if len(addr) == 8 && !strings.Contains(addr, ":") {
		v, err := strconv.ParseUint(addr, 16, 32)
		if err != nil {
			return netip.AddrPort{}, fmt.Errorf("address %q: want 8 hex digits", addr)
		}
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(v))
		a = netip.AddrFrom4(b)
	} else {
		var err error
		if a, err = netip.ParseAddr(addr); err != nil || !a.Is6() || a.Zone() != "" {
			return netip.AddrPort{}, fmt.Errorf("address %q: want 8 hex digits (IPv4) or an IPv6 address", addr)
		}
	}
	if len(port) != 4 {
		return netip.AddrPort{}, fmt.Errorf("port %q: want 4 hex digits", port)
	}
	p, err := strconv.ParseUint(port, 16, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("port %q: want 4 hex digits", port)
	}
	return netip.AddrPortFrom(a, uint16(p)), nil
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}
