package ipvsadm

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// apply parses and applies rules, failing the test on any error.
func apply(t *testing.T, tab *Table, rules string) {
	t.Helper()
	cmds, errs := ParseRules(rules)
	for _, e := range errs {
		t.Fatalf("rule %v", e)
	}
	for _, c := range cmds {
		if err := tab.Apply(c); err != nil {
			t.Fatalf("Apply(%v): %v", c, err)
		}
	}
}

func destAddrs(s *Service) string {
	var out []string
	for _, d := range s.Dests {
		out = append(out, d.Addr.String())
	}
	return strings.Join(out, " ")
}

func TestTutorialSequence(t *testing.T) {
	var tab Table
	apply(t, &tab, `
ipvsadm -A -t 192.168.0.75:80 -s rr
ipvsadm -a -t 192.168.0.75:80 -r 172.16.0.45 -m
ipvsadm -a -t 192.168.0.75:80 -r 172.16.0.55 -m
ipvsadm -a -t 192.168.0.75:80 -r 172.16.0.65 -m`)
	s := tab.Service(vip)
	if s == nil || s.Scheduler != "rr" {
		t.Fatalf("service after -A: %+v", s)
	}
	// Newest first: the kernel adds at the head of the list.
	if got, want := destAddrs(s), "172.16.0.65:80 172.16.0.55:80 172.16.0.45:80"; got != want {
		t.Errorf("after -a: dests %s, want %s", got, want)
	}

	apply(t, &tab, "ipvsadm -e -t 192.168.0.75:80 -r 172.16.0.55:80 -m -w 3")
	if got, want := destAddrs(s), "172.16.0.65:80 172.16.0.55:80 172.16.0.45:80"; got != want {
		t.Errorf("-e moved a server: dests %s, want %s", got, want)
	}
	if d := s.Dest(ap("172.16.0.55:80")); d.Weight != 3 || d.Method != Masq {
		t.Errorf("after -e: %+v", d)
	}

	apply(t, &tab, "ipvsadm -E -t 192.168.0.75:80 -s wrr")
	if s.Scheduler != "wrr" || len(s.Dests) != 3 {
		t.Errorf("after -E: %s with %d dests", s.Scheduler, len(s.Dests))
	}

	apply(t, &tab, "ipvsadm -d -t 192.168.0.75:80 -r 172.16.0.65:80")
	if got, want := destAddrs(s), "172.16.0.55:80 172.16.0.45:80"; got != want {
		t.Errorf("after -d: dests %s, want %s", got, want)
	}

	apply(t, &tab, "ipvsadm -a -t 192.168.0.75:80 -r 172.16.0.65 -m")
	if got, want := destAddrs(s), "172.16.0.65:80 172.16.0.55:80 172.16.0.45:80"; got != want {
		t.Errorf("re-added server not at the head: dests %s, want %s", got, want)
	}

	apply(t, &tab, "ipvsadm -D -t 192.168.0.75:80")
	if tab.Service(vip) != nil || len(tab.Services) != 0 {
		t.Errorf("after -D: %v", tab.Services)
	}
}

func TestEditResetsOmittedOptions(t *testing.T) {
	var tab Table
	udp := ServiceKey{Protocol: UDP, Addr: ap("10.0.0.100:53")}
	apply(t, &tab, `
-A -u 10.0.0.100:53 -s sh -p 600 -M 255.255.255.0 -o -b sh-port
-a -u 10.0.0.100:53 -r 10.0.0.3 -m -w 3 -x 100 -y 10
-E -u 10.0.0.100:53
-e -u 10.0.0.100:53 -r 10.0.0.3:53`)
	want := &Service{ServiceKey: udp, Scheduler: "wlc",
		Dests: []Dest{{Addr: ap("10.0.0.3:53"), Method: Route, Weight: 1}}}
	if got := tab.Service(udp); !reflect.DeepEqual(got, want) {
		t.Errorf("-E and -e without options should reset to the defaults:\n got %+v\nwant %+v", got, want)
	}
}

func TestApplyErrors(t *testing.T) {
	const setup = `
-A -t 192.168.0.75:80 -s rr
-a -t 192.168.0.75:80 -r 172.16.0.45 -m
-a -t 192.168.0.75:80 -r 172.16.0.55 -m`
	tests := []struct {
		rule string
		err  string
	}{
		{"-A -t 192.168.0.75:80 -s wrr", "service TCP 192.168.0.75:80 already exists"},
		{"-E -t 192.168.0.75:443 -s wrr", "no such service TCP 192.168.0.75:443; add it first with -A"},
		{"-D -u 192.168.0.75:80", "no such service UDP 192.168.0.75:80; add it first with -A"},
		{"-a -f 1 -r 172.16.0.45", "no such service FWM 1; add it first with -A"},
		{"-e -t 192.168.0.75:443 -r 172.16.0.45", "no such service TCP 192.168.0.75:443; add it first with -A"},
		{"-d -t 192.168.0.75:443 -r 172.16.0.45", "no such service TCP 192.168.0.75:443; add it first with -A"},
		{"-a -t 192.168.0.75:80 -r 172.16.0.45 -g",
			"real server 172.16.0.45:80 already exists in service TCP 192.168.0.75:80; change it with -e"},
		{"-e -t 192.168.0.75:80 -r 172.16.0.65 -m",
			"no such real server 172.16.0.65:80 in service TCP 192.168.0.75:80 (it has 172.16.0.55:80 172.16.0.45:80)"},
		{"-d -t 192.168.0.75:80 -r 172.16.0.45:8080",
			"no such real server 172.16.0.45:8080 in service TCP 192.168.0.75:80 (it has 172.16.0.55:80 172.16.0.45:80)"},
		{"-a -t 192.168.0.75:80 -r 172.16.0.65 -m -y 5",
			"lower threshold -y 5 is above upper threshold -x 0: the kernel refuses it; give -x 5 or more"},
		{"-e -t 192.168.0.75:80 -r 172.16.0.45 -m -x 4 -y 5",
			"lower threshold -y 5 is above upper threshold -x 4: the kernel refuses it; give -x 5 or more"},
	}
	for _, tt := range tests {
		var tab Table
		apply(t, &tab, setup)
		var before strings.Builder
		tab.Save(&before)
		c, err := ParseRule(tt.rule)
		if err != nil {
			t.Fatalf("ParseRule(%q): %v", tt.rule, err)
		}
		err = tab.Apply(c)
		if err == nil || err.Error() != tt.err {
			t.Errorf("Apply(%q) = %v\nwant %s", tt.rule, err, tt.err)
		}
		var after strings.Builder
		tab.Save(&after)
		if after.String() != before.String() {
			t.Errorf("a failed Apply(%q) changed the table", tt.rule)
		}
	}
}

func TestApplyHandMadeCommands(t *testing.T) {
	var tab Table
	apply(t, &tab, "-A -t 192.168.0.75:80 -s rr")
	tests := []struct {
		c   Command
		err string
	}{
		{Command{Op: OpAddService, Service: Service{ServiceKey: ServiceKey{FWMark: 1}, Scheduler: "fifo"}},
			`unknown scheduler "fifo"; allowed: rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos`},
		{Command{Op: OpEditService, Service: Service{ServiceKey: vip}}, `unknown scheduler ""; allowed: rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos`},
		{Command{Op: OpAddDest, Service: Service{ServiceKey: vip}, Dest: Dest{Addr: ap("[2001:db8::5]:80"), Method: Masq, Weight: 1}},
			"real server 2001:db8::5 is IPv6 but service TCP 192.168.0.75:80 is IPv4; only a tunnelling (-i) server may differ"},
		{Command{Op: OpAddDest, Service: Service{ServiceKey: vip}, Dest: Dest{Addr: ap("172.16.0.45:80"), Method: Masq, Weight: -1}},
			"weight -1 is below zero"},
		{Command{Op: OpAddDest, Service: Service{ServiceKey: vip}, Dest: Dest{Addr: ap("172.16.0.45:80"), Method: Tunnel, Tunnel: TunnelOptions{Type: "gue"}}},
			"a GUE tunnel needs a port: give --tun-port"},
		{Command{Op: 0}, "unknown command Op(0)"},
	}
	for _, tt := range tests {
		if err := tab.Apply(tt.c); err == nil || err.Error() != tt.err {
			t.Errorf("Apply(%v) = %v\nwant %s", tt.c, err, tt.err)
		}
	}
	// A tunnelling server may have the other family.
	ok := Command{Op: OpAddDest, Service: Service{ServiceKey: vip}, Dest: Dest{Addr: ap("[2001:db8::5]:80"), Method: Tunnel, Weight: 1}}
	if err := tab.Apply(ok); err != nil {
		t.Errorf("Apply(%v): %v", ok, err)
	}
}

func TestClear(t *testing.T) {
	var tab Table
	apply(t, &tab, `
-A -t 192.168.0.75:80 -s rr
-A -f 1
-a -f 1 -r 10.0.0.4
-C`)
	if len(tab.Services) != 0 {
		t.Errorf("after -C: %v", tab.Services)
	}
	apply(t, &tab, "-A -t 192.168.0.75:80 -s rr") // and the table is usable again
}

func TestApplyDoesNotAliasCommand(t *testing.T) {
	var tab Table
	c, _ := ParseRule("-A -t 192.168.0.75:80 -s sh -b sh-port")
	if err := tab.Apply(c); err != nil {
		t.Fatal(err)
	}
	c.Service.SchedFlags[0] = "changed"
	if got := tab.Service(vip).SchedFlags; !reflect.DeepEqual(got, []string{"sh-port"}) {
		t.Errorf("the table shares the command's flags: %v", got)
	}
	if tab.Service(ServiceKey{Protocol: TCP, Addr: netip.MustParseAddrPort("192.168.0.75:81")}) != nil {
		t.Errorf("Service found a service that does not exist")
	}
}
