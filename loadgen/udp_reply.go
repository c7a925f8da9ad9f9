package loadgen

import "github.com/lvslab/lvslab/wire"

// parseUDPReply reads a UDP echo server's reply (wire.ParseUDPReply): the server's name, and the client
// address it saw without its port (as wire.ClientHeader's value is read).
func parseUDPReply(b []byte, intern func([]byte) string) (server, client string, err error) {
	name, ap, err := wire.ParseUDPReply(b)
	if err != nil {
		return "", "", badResponsef("UDP reply %q: %v", truncate(b), err)
	}
	return intern(name), ap.Addr().String(), nil
}
