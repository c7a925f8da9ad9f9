// Package wire is the contract between lvslab's real servers and its load generator: how a response
// names the real server that answered it and the client address that server saw. IPVS balances
// connections, and lvslab attributes each connection by what its response says.
package wire

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
)

// HTTP response headers. Under NAT the client address the server saw must be the client's own: the
// header shows it survived.
const (
	ServerHeader = "X-Real-Server" // the real server's host name
	ClientHeader = "X-Client-Addr" // the client's address and port, as the server saw them
)

// A UDP echo server answers every datagram with one line, "<server> <client-ip>:<port>\n".

// AppendUDPReply appends the reply of server to a datagram from client.
func AppendUDPReply(b []byte, server string, client netip.AddrPort) []byte {
	return fmt.Appendf(b, "%s %s\n", server, netip.AddrPortFrom(client.Addr().Unmap(), client.Port()))
}

// ErrUDPReply marks a datagram that is not a reply of lvslab's UDP echo server.
var ErrUDPReply = errors.New(`want "<server> <client-ip>:<port>"`)

// ParseUDPReply reads a reply: the server's name (a slice of b) and the client address it saw.
func ParseUDPReply(b []byte) (server []byte, client netip.AddrPort, err error) {
	line := bytes.TrimRight(b, "\r\n")
	name, addr, found := bytes.Cut(line, []byte(" "))
	if !found || len(name) == 0 {
		return nil, netip.AddrPort{}, ErrUDPReply
	}
	ap, err := netip.ParseAddrPort(string(bytes.TrimSpace(addr)))
	if err != nil {
		return nil, netip.AddrPort{}, fmt.Errorf("the client address: %w", err)
	}
	return name, netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
}
