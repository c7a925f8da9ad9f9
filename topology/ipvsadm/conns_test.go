package ipvsadm

import (
	"net/netip"
	"strings"
	"testing"
)

// As Debian's 6.1 kernel prints /proc/net/ip_vs_conn: a NAT connection in TIME_WAIT, a persistence
// template (client port 0, state NONE), an IPv6 one, and one with persistence-engine data (sip).
const connText = `Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData
TCP C0A80064 B3A2 C0A8004B 0050 AC10002D 0050 TIME_WAIT       119
TCP C0A80064 0000 C0A8004B 0050 AC100037 0050 NONE            359
TCP 2001:0db8:0000:0000:0000:0000:0000:0064 9C40 2001:0db8:0000:0000:0000:0000:0000:004b 0050 2001:0db8:0000:0000:0000:0000:0000:002d 0050 ESTABLISHED     899
UDP C0A80064 13C4 C0A8004B 13C4 C0A8002D 13C4 UDP             299 sip 1234@lab
`

func TestParseConnsReadsTheKernelsTable(t *testing.T) {
	conns, err := ParseConns([]byte(connText))
	if err != nil {
		t.Fatal(err)
	}
	if len(conns) != 4 {
		t.Fatalf("%d entries, want 4: %+v", len(conns), conns)
	}
	want := Conn{Protocol: TCP, Client: netip.MustParseAddrPort("192.168.0.100:45986"), Virtual: netip.MustParseAddrPort("192.168.0.75:80"),
		Dest: netip.MustParseAddrPort("172.16.0.45:80"), State: "TIME_WAIT", Expires: 119}
	if conns[0] != want {
		t.Errorf("first entry %+v, want %+v", conns[0], want)
	}
	if conns[1].Client.Port() != 0 || conns[1].State != "NONE" {
		t.Errorf("template %+v, want client port 0 and state NONE", conns[1])
	}
	if got := conns[2].Dest.String(); got != "[2001:db8::2d]:80" {
		t.Errorf("IPv6 real server %s, want [2001:db8::2d]:80", got)
	}
	if conns[3].Protocol != UDP || conns[3].Client.Port() != 5060 {
		t.Errorf("UDP entry %+v, want UDP from port 5060", conns[3])
	}
}

func TestParseConnsRefusesWhatIsNotTheTable(t *testing.T) {
	for name, text := range map[string]string{
		"no header":      "TCP C0A80064 B3A2 C0A8004B 0050 AC10002D 0050 TIME_WAIT 119\n",
		"short line":     connText[:strings.Index(connText, "\n")+1] + "TCP C0A80064 B3A2\n",
		"bad protocol":   connText[:strings.Index(connText, "\n")+1] + "ICMP C0A80064 B3A2 C0A8004B 0050 AC10002D 0050 NONE 1\n",
		"bad address":    connText[:strings.Index(connText, "\n")+1] + "TCP C0A8006G B3A2 C0A8004B 0050 AC10002D 0050 NONE 1\n",
		"bad port":       connText[:strings.Index(connText, "\n")+1] + "TCP C0A80064 B3A2Z C0A8004B 0050 AC10002D 0050 NONE 1\n",
		"bad expiry":     connText[:strings.Index(connText, "\n")+1] + "TCP C0A80064 B3A2 C0A8004B 0050 AC10002D 0050 NONE -1\n",
		"very long line": connText[:strings.Index(connText, "\n")+1] + strings.Repeat("x", 5000) + "\n",
	} {
		if _, err := ParseConns([]byte(text)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
