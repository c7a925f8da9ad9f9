package loadgen

import (
	"bytes"
	"net/netip"
)

// parseUDPReply reads a UDP echo server's reply, "<server> <client-ip>:<port>\n": the server's name, and
// the client address it saw without its port (as ClientHeader's value is read).
func parseUDPReply(b []byte, intern func([]byte) string) (server, client string, err error) {
	line := bytes.TrimRight(b, "\r\n")
	name, addr, found := bytes.Cut(line, []byte(" "))
	if !found || len(name) == 0 {
		return "", "", badResponsef(`UDP reply %q; want "<server> <client-ip>:<port>"`, truncate(b))
	}
	ap, err := netip.ParseAddrPort(string(bytes.TrimSpace(addr)))
	if err != nil {
		return "", "", badResponsef("UDP reply %q: the client address: %v", truncate(b), err)
	}
	return intern(name), ap.Addr().Unmap().String(), nil
}
