package wire

import (
	"net/netip"
	"testing"
)

func TestUDPReplyRoundTrip(t *testing.T) {
	for _, client := range []string{"192.168.0.100:40000", "[fd00::1]:53", "[::ffff:10.0.0.1]:9"} {
		ap := netip.MustParseAddrPort(client)
		b := AppendUDPReply(nil, "rs2", ap)
		server, got, err := ParseUDPReply(b)
		want := netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		if err != nil || string(server) != "rs2" || got != want {
			t.Errorf("%s: %q read back as %q %v %v", client, b, server, got, err)
		}
	}
	for _, bad := range []string{"", "rs1", " 1.2.3.4:5", "rs1 nowhere", "rs1 1.2.3.4"} {
		if _, _, err := ParseUDPReply([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
