package ipvsadm

import (
	"net/netip"
	"strings"
	"testing"
)

// sampleSnapshot is a table whose listing is byte for byte what ipvsadm 1.31 printed for it.
func sampleSnapshot(t *testing.T) *Snapshot {
	t.Helper()
	var table Table
	for _, line := range []string{
		"-A -t 10.0.0.100:80 -s wrr",
		"-a -t 10.0.0.100:80 -r 10.0.0.2:80 -i -w 2",
		"-a -t 10.0.0.100:80 -r 10.0.0.1:80 -m -w 3",
		"-a -t 10.0.0.100:80 -r 192.168.1.3:8080 -m -w 1",
		"-A -t 10.0.0.100:443 -s wlc -p 360 -M 255.255.255.0",
		"-a -t 10.0.0.100:443 -r 10.0.0.3:443 -g -w 1",
		"-A -u 10.0.0.100:53 -s sh -b sh-fallback,sh-port",
		"-a -u 10.0.0.100:53 -r 10.0.0.3:53 -m -w 0",
	} {
		c, err := ParseRule(line)
		if err != nil {
			t.Fatal(err)
		}
		if err := table.Apply(c); err != nil {
			t.Fatal(err)
		}
	}
	ap := netip.MustParseAddrPort
	key := func(p Protocol, a string) ServiceKey { return ServiceKey{Protocol: p, Addr: ap(a)} }
	return &Snapshot{Table: table, Stats: map[ServiceKey]*ServiceStats{
		key(TCP, "10.0.0.100:80"): {
			Counters: Counters{Conns: 1234, InPkts: 98765432, OutPkts: 123456789, InBytes: 5000000000, OutBytes: 150000000000000},
			Dests: map[netip.AddrPort]*DestStats{
				ap("192.168.1.3:8080"): {InactConns: 12},
				ap("10.0.0.1:80"):      {ActiveConns: 2, InactConns: 5, Counters: Counters{1234, 100000000, 999999999, 99999999999, 100000000000}},
				ap("10.0.0.2:80"):      {ActiveConns: 7, InactConns: 3},
			},
		},
		key(TCP, "10.0.0.100:443"): {Dests: map[netip.AddrPort]*DestStats{ap("10.0.0.3:443"): {InactConns: 1}}},
		key(UDP, "10.0.0.100:53"):  {Dests: map[netip.AddrPort]*DestStats{ap("10.0.0.3:53"): {InactConns: 1}}},
	}}
}

func TestWriteListIsByteForByteIpvsadm(t *testing.T) {
	var b strings.Builder
	if err := sampleSnapshot(t).WriteList(&b); err != nil {
		t.Fatal(err)
	}
	want := `IP Virtual Server version 1.2.1 (size=4096)|
Prot LocalAddress:Port Scheduler Flags|
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn|
TCP  10.0.0.100:80 wrr|
  -> 192.168.1.3:8080             Masq    1      0          12        |
  -> 10.0.0.1:80                  Masq    3      2          5         |
  -> 10.0.0.2:80                  Tunnel  2      7          3         |
TCP  10.0.0.100:443 wlc persistent 360 mask 255.255.255.0|
  -> 10.0.0.3:443                 Route   1      0          1         |
UDP  10.0.0.100:53 sh (sh-fallback,sh-port)|
  -> 10.0.0.3:53                  Masq    0      0          1         |
`
	if got := strings.ReplaceAll(b.String(), "\n", "|\n"); got != want {
		t.Errorf("ipvsadm -L -n, | marks line ends:\ngot:\n%s\nwant:\n%s", got, want)
	}
}

func TestWriteStatsAbbreviatesAsIpvsadm(t *testing.T) {
	var b strings.Builder
	if err := sampleSnapshot(t).WriteStats(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	for i, want := range map[int]string{
		1: "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes",
		2: "  -> RemoteAddress:Port",
		3: "TCP  10.0.0.100:80                    1234 98765432  123456K    5000M     150T",
		5: "  -> 10.0.0.1:80                      1234  100000K  999999K   99999M     100G",
	} {
		if lines[i] != want {
			t.Errorf("line %d:\ngot  %q\nwant %q", i, lines[i], want)
		}
	}
}
