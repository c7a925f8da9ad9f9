package ipvsadm

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

var (
	vip = ServiceKey{Protocol: TCP, Addr: netip.MustParseAddrPort("192.168.0.75:80")}
	ap  = netip.MustParseAddrPort
)

func TestParseRule(t *testing.T) {
	v6 := ServiceKey{Protocol: TCP, Addr: ap("[2001:db8::1]:80")}
	udp := func(s string) ServiceKey { return ServiceKey{Protocol: UDP, Addr: ap(s)} }
	tests := []struct {
		line string
		want Command
	}{
		// The NAT walkthrough, as typed.
		{"ipvsadm -A -t 192.168.0.75:80 -s rr",
			Command{Op: OpAddService, Service: Service{ServiceKey: vip, Scheduler: "rr"}}},
		{"ipvsadm -a -t 192.168.0.75:80 -r 172.16.0.45 -m",
			Command{Op: OpAddDest, Service: Service{ServiceKey: vip}, Dest: Dest{Addr: ap("172.16.0.45:80"), Method: Masq, Weight: 1}}},
		{"ipvsadm -e -t 192.168.0.75:80 -r 172.16.0.55:80 -m -w 1",
			Command{Op: OpEditDest, Service: Service{ServiceKey: vip}, Dest: Dest{Addr: ap("172.16.0.55:80"), Method: Masq, Weight: 1}}},
		{"ipvsadm -E -t 192.168.0.75:80 -s wrr",
			Command{Op: OpEditService, Service: Service{ServiceKey: vip, Scheduler: "wrr"}}},
		{"ipvsadm -d -t 192.168.0.75:80 -r 172.16.0.65:80",
			Command{Op: OpDeleteDest, Service: Service{ServiceKey: vip}, Dest: Dest{Addr: ap("172.16.0.65:80")}}},

		// Defaults: wlc, -g, weight 1, -p 360; the port forced for -g and -i, kept for -m.
		{"-A -t 192.168.0.75:80",
			Command{Op: OpAddService, Service: Service{ServiceKey: vip, Scheduler: "wlc"}}},
		{"-a -t 192.168.0.75:80 -r 172.16.0.45:8080",
			Command{Op: OpAddDest, Service: Service{ServiceKey: vip}, Dest: Dest{Addr: ap("172.16.0.45:80"), Method: Route, Weight: 1}}},
		{"-a -t 192.168.0.75:80 -r 172.16.0.45:8080 -m -w 3",
			Command{Op: OpAddDest, Service: Service{ServiceKey: vip}, Dest: Dest{Addr: ap("172.16.0.45:8080"), Method: Masq, Weight: 3}}},
		{"-a -t 192.168.0.75:80 -r 172.16.0.45:8080 -i",
			Command{Op: OpAddDest, Service: Service{ServiceKey: vip}, Dest: Dest{Addr: ap("172.16.0.45:80"), Method: Tunnel, Weight: 1, Tunnel: TunnelOptions{Type: "ipip"}}}},
		{"--add-service --tcp-service=192.168.0.75:http --scheduler=wrr --persistent",
			Command{Op: OpAddService, Service: Service{ServiceKey: vip, Scheduler: "wrr", Persistent: true, Timeout: 360}}},
		{"-A -t 192.168.0.75:80 -s rr -p 600 -M 255.255.255.0",
			Command{Op: OpAddService, Service: Service{ServiceKey: vip, Scheduler: "rr", Persistent: true, Timeout: 600, Netmask: netip.MustParseAddr("255.255.255.0")}}},
		{"-A -t 192.168.0.75:80 -s rr -M 255.255.255.0", // a mask without -p means nothing
			Command{Op: OpAddService, Service: Service{ServiceKey: vip, Scheduler: "rr"}}},
		{"-A -t 192.168.0.75:80 -p -M 255.255.255.255",
			Command{Op: OpAddService, Service: Service{ServiceKey: vip, Scheduler: "wlc", Persistent: true, Timeout: 360}}},
		{"-A -t 192.168.0.75 -p1",
			Command{Op: OpAddService, Service: Service{ServiceKey: ServiceKey{Protocol: TCP, Addr: ap("192.168.0.75:0")}, Scheduler: "wlc", Persistent: true, Timeout: 1}}},
		{"-A -u 10.0.0.100:53 -s sh -b flag-1,sh-port",
			Command{Op: OpAddService, Service: Service{ServiceKey: udp("10.0.0.100:53"), Scheduler: "sh", SchedFlags: []string{"sh-fallback", "sh-port"}}}},
		{"-A -u 10.0.0.100:53 -s rr -b flag-3,flag-1",
			Command{Op: OpAddService, Service: Service{ServiceKey: udp("10.0.0.100:53"), Scheduler: "rr", SchedFlags: []string{"flag-1", "flag-3"}}}},
		{"-A -u 10.0.0.100:5060 -s rr -p 120 --pe sip -o",
			Command{Op: OpAddService, Service: Service{ServiceKey: udp("10.0.0.100:5060"), Scheduler: "rr", Persistent: true, Timeout: 120, PE: "sip", OnePacket: true}}},
		{"-A --sctp-service 10.0.0.100:3868 -s nq",
			Command{Op: OpAddService, Service: Service{ServiceKey: ServiceKey{Protocol: SCTP, Addr: ap("10.0.0.100:3868")}, Scheduler: "nq"}}},
		{"-A -f 1 -s rr -o",
			Command{Op: OpAddService, Service: Service{ServiceKey: ServiceKey{FWMark: 1}, Scheduler: "rr", OnePacket: true}}},
		{"-A -f 7 -6 -p -M 64",
			Command{Op: OpAddService, Service: Service{ServiceKey: ServiceKey{FWMark: 7, IPv6: true}, Scheduler: "wlc", Persistent: true, Timeout: 360, Netmask: netip.MustParseAddr("ffff:ffff:ffff:ffff::")}}},
		{"-A -t [2001:DB8::1]:80 -s mh -b mh-port",
			Command{Op: OpAddService, Service: Service{ServiceKey: v6, Scheduler: "mh", SchedFlags: []string{"mh-port"}}}},
		{"-a -t [2001:db8::1]:80 -r 2001:db8::2 -m",
			Command{Op: OpAddDest, Service: Service{ServiceKey: v6}, Dest: Dest{Addr: ap("[2001:db8::2]:80"), Method: Masq, Weight: 1}}},
		{"-a -t [2001:db8::1]:80 -r 10.0.0.1 -i --tun-type gue --tun-port 6080 --tun-csum",
			Command{Op: OpAddDest, Service: Service{ServiceKey: v6}, Dest: Dest{Addr: ap("10.0.0.1:80"), Method: Tunnel, Weight: 1, Tunnel: TunnelOptions{Type: "gue", Port: 6080, Checksum: "csum"}}}},
		{"-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-type gre",
			Command{Op: OpAddDest, Service: Service{ServiceKey: ServiceKey{Protocol: TCP, Addr: ap("1.2.3.4:80")}}, Dest: Dest{Addr: ap("5.6.7.8:80"), Method: Tunnel, Weight: 1, Tunnel: TunnelOptions{Type: "gre", Checksum: "nocsum"}}}},
		{"-a -f 1 -r 10.0.0.4:0 -g -w 1",
			Command{Op: OpAddDest, Service: Service{ServiceKey: ServiceKey{FWMark: 1}}, Dest: Dest{Addr: ap("10.0.0.4:0"), Method: Route, Weight: 1}}},
		{"-a -f 1 -r 10.0.0.4:8080 -g",
			Command{Op: OpAddDest, Service: Service{ServiceKey: ServiceKey{FWMark: 1}}, Dest: Dest{Addr: ap("10.0.0.4:8080"), Method: Route, Weight: 1}}},
		{"-a -t 192.168.0.75:80 -r 172.16.0.45 -mw3 -x 100 -y 50",
			Command{Op: OpAddDest, Service: Service{ServiceKey: vip}, Dest: Dest{Addr: ap("172.16.0.45:80"), Method: Masq, Weight: 3, UThreshold: 100, LThreshold: 50}}},
		{"-a -t 192.168.0.75:80 -r 172.16.0.45 -m --weight=0",
			Command{Op: OpAddDest, Service: Service{ServiceKey: vip}, Dest: Dest{Addr: ap("172.16.0.45:80"), Method: Masq, Weight: 0}}},
		{"-D -t 192.168.0.75:80", Command{Op: OpDeleteService, Service: Service{ServiceKey: vip}}},
		{"-D -6 -f 7", Command{Op: OpDeleteService, Service: Service{ServiceKey: ServiceKey{FWMark: 7, IPv6: true}}}},
		{"/sbin/ipvsadm -C", Command{Op: OpClear}},
		{"  ipvsadm\t-A  -t 192.168.0.75:80 -s rr   # round robin\r",
			Command{Op: OpAddService, Service: Service{ServiceKey: vip, Scheduler: "rr"}}},
	}
	for _, tt := range tests {
		got, err := ParseRule(tt.line)
		if err != nil {
			t.Errorf("ParseRule(%q): %v", tt.line, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseRule(%q)\n got %#v\nwant %#v", tt.line, got, tt.want)
		}
	}
}

func TestParseRuleErrors(t *testing.T) {
	const rs = "-a -t 192.168.0.75:80 -r 172.16.0.45 "
	tests := []struct {
		line string
		at   string // the offending token: its last occurrence in line, or "$" for the end of the line
		msg  string // the whole message, or its start when it ends with "…"
	}{
		{"ipvsadm -A -t 192.168.0.75:80 -s wwr", "wwr",
			`unknown scheduler "wwr"; allowed: rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos`},
		{rs + "--wieght 3", "--wieght", `unknown option "--wieght"; did you mean --weight?`},
		{rs + "--sched 3", "--sched", `unknown option "--sched"; did you mean --scheduler?`},
		{rs + "-weight 3", "-weight", `unknown option "-weight"; did you mean --weight?`},
		{rs + "-m -w 70000", "70000", `weight 70000 out of range 0..65535`},
		{rs + "-m --weight=70000", "70000", `weight 70000 out of range 0..65535`},
		{rs + "-m -w -1", "-1", `weight -1 out of range 0..65535`},
		{rs + "-w3x", "3x", `weight "3x" is not a number; allowed: 0..65535`},
		{rs + "-mW 3", "W", `unknown option "-W"; did you mean -w?`},
		{rs + "-m -g", "-g", `-g conflicts with -m: give only one`},
		{rs + "-w 1 --weight 2", "--weight", `--weight given twice`},
		{rs + "-s rr", "-s", `-s is not allowed with -a (usage: -a -t|-u|--sctp-service host:port | -f mark [-6] -r host[:port] …`},
		{rs + "--tun-type gue", "--tun-type", `--tun-type needs -i: tunnel options are only for tunnelling servers`},
		{rs + "-i --tun-type gue", "gue", `--tun-type gue needs --tun-port port`},
		{rs + "-i --tun-type vxlan", "vxlan", `unknown tunnel type "vxlan"; allowed: ipip gue gre`},
		{rs + "-i --tun-port 6080", "--tun-port", `--tun-port is only for --tun-type gue`},
		{rs + "-i --tun-csum", "--tun-csum", `--tun-csum is only for --tun-type gue or gre`},
		{rs + "-i --tun-type gre --tun-remcsum", "--tun-remcsum", `--tun-remcsum is only for --tun-type gue`},
		{rs + "-i --tun-type gue --tun-port 0", "0", `tunnel port 0 out of range 1..65535`},
		{rs + "-i --tun-type gue --tun-port 1 --tun-csum --tun-nocsum", "--tun-nocsum", `--tun-nocsum conflicts with --tun-csum: give only one`},
		{"-a -t 192.168.0.75:80 -m", "-a", `-a needs -r server-address`},
		{"--delete-server -t 192.168.0.75:80", "--delete-server", `--delete-server needs -r server-address`},
		{"-a -t 192.168.0.75:80 -r", "-r", `-r needs a server-address`},
		{"-a -t 192.168.0.75:80 -r -m", "-r", `-r needs a server-address`},
		{"-a -t 192.168.0.75:80 -r [2001:db8::1]:80 -m", "[2001",
			`real server 2001:db8::1 is IPv6 but service TCP 192.168.0.75:80 is IPv4; only a tunnelling (-i) server may differ`},
		{"-a -t 192.168.0.75:80 -r 172.16.0.45:htp -m", "htp",
			`unknown port name "htp"; give a number (the only names known are http https http-alt)`},
		{"-a -t 192.168.0.75:80 -r rs1.example.com -m", "rs1",
			`real server "rs1.example.com" is a host name: give a numeric address (lvslab does not resolve names)`},
		{"-A -s rr", "-A", `missing service: give -t, -u, --sctp-service or -f`},
		{"-A -t 192.168.0.75:80 -o", "-o", `-o is only for UDP and fwmark services`},
		{"-A -t 192.168.0.75:80 --ops=1", "--ops", `--ops takes no value`},
		{"-A -t 192.168.0.75:80 -p 0", "0", `persistence timeout 0 out of range 1..2678400`},
		{"-A -t 192.168.0.75:80 -p 2678401", "2678401", `persistence timeout 2678401 out of range 1..2678400`},
		{"-A -t 192.168.0.75", "192.168.0.75",
			`service 192.168.0.75 has port 0: give host:port (only a persistent service, -p, may have port 0)`},
		{"-A -t 192.168.0.75:99999", "99999", `port 99999 out of range 0..65535`},
		{"-A -t [2001:db8::1]:99999", "99999", `port 99999 out of range 0..65535`},
		{"-A -t [2001:db8::1]", "[", `bad service address "[2001:db8::1]": want [IPv6-address]:port`},
		{"-A -t 192.168.0.750:80", "192", `bad service address "192.168.0.750:80": want a.b.c.d:port or [IPv6-address]:port`},
		{"-A -t 80", "80", `service address "80" is not an address: want a.b.c.d:port`},
		{"-A -t 192.168.0.75:80 -p 60 -M 24", "24",
			`netmask "24": write an IPv4 mask dotted, like 255.255.255.0 (a prefix length is for IPv6 services)`},
		{"-A -t [2001:db8::1]:80 -p -M 129", "129", `IPv6 netmask (prefix length) 129 out of range 1..128`},
		{"-A -f 0", "0", `fwmark 0 out of range 1..4294967295`},
		{"-A -t 192.168.0.75:80 -6", "-6", `-6 is only for fwmark services (-f); write an IPv6 service as [addr]:port`},
		{"-A -t 192.168.0.75:80 -s rr -s wrr", "-s wrr", `-s given twice`},
		{"-A -t 192.168.0.75:80 -u 192.168.0.75:53", "-u", `-u conflicts with -t: give only one`},
		{"-A -t 192.168.0.75:80 -s sh -b sh-port,mh-port", "mh-port", `mh-port is only for -s mh (the scheduler here is sh)`},
		{"-E -t 192.168.0.75:80 -b sh-port", "sh-port", `sh-port is only for -s sh (the scheduler here is wlc)`},
		{"-A -t 192.168.0.75:80 -s sh -b flag-3", "flag-3", `sh ignores flag-3; it takes sh-fallback and sh-port`},
		{"-A -t 192.168.0.75:80 -b flag-9", "flag-9", `unknown scheduler flag "flag-9"; allowed: flag-1 flag-2 flag-3 sh-fallback sh-port mh-fallback mh-port`},
		{"-A -t 192.168.0.75:80 --pe http", "http", `unknown persistence engine "http"; allowed: sip`},
		{"-A -t 192.168.0.75:80 -a", "-a", `-a: a rule has one command, and -A came first`},
		{"-A 192.168.0.75:80", "192", `unexpected argument "192.168.0.75:80": no option before it takes a value`},
		{"-t 192.168.0.75:80", "-t", `no command: a rule needs one of -A -E -D -C -a -e -d`},
		{"-L -n", "-L", `-L is not a rule option (it lists, saves or syncs); a rule is -A, -E, -D, -C, -a, -e or -d with their options`},
		{"-C -t 192.168.0.75:80", "-t", `-t is not allowed with -C (usage: -C (no options))`},
		{"-A –t 192.168.0.75:80", "–t", `"–t" starts with the typographic dash U+2013, not a plain "-"`},
		{"ipvsadm", "$", `empty rule: give one of -A -E -D -C -a -e -d`},
	}
	for _, tt := range tests {
		_, err := ParseRule(tt.line)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("ParseRule(%q) = %v, want a *SyntaxError", tt.line, err)
			continue
		}
		off := strings.LastIndex(tt.line, tt.at)
		if tt.at == "$" {
			off = len(tt.line)
		}
		if se.Offset != off || !strings.HasPrefix(tt.line[se.Offset:], se.Token) {
			t.Errorf("ParseRule(%q): error at %d (token %q), want %d (%q)", tt.line, se.Offset, se.Token, off, tt.at)
		}
		if prefix, ok := strings.CutSuffix(tt.msg, "…"); ok && strings.HasPrefix(se.Msg, prefix) {
			continue
		}
		if se.Msg != tt.msg {
			t.Errorf("ParseRule(%q):\n got %s\nwant %s", tt.line, se.Msg, tt.msg)
		}
	}
}

func TestParseRules(t *testing.T) {
	text := `# the NAT walkthrough

ipvsadm -A -t 192.168.0.75:80 -s wrr
ipvsadm -a -t 192.168.0.75:80 -r 172.16.0.45 -m -w 3
  # indented comment
ipvsadm -a -t 192.168.0.75:80 -r 172.16.0.55 -m -w 70000
ipvsadm -a -t 192.168.0.75:80 -r 172.16.0.65 -m --wieght 1
`
	cmds, errs := ParseRules(text)
	if len(cmds) != 2 || cmds[0].Op != OpAddService || cmds[1].Dest.Weight != 3 {
		t.Errorf("commands: %v", cmds)
	}
	want := []string{
		`6:52: weight 70000 out of range 0..65535`,
		`7:49: unknown option "--wieght"; did you mean --weight?`,
	}
	var got []string
	for _, e := range errs {
		got = append(got, e.Error())
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n got %q\nwant %q", got, want)
	}
	var se *SyntaxError
	if len(errs) == 0 || !errors.As(error(errs[0]), &se) || se.Token != "70000" {
		t.Errorf("a RuleError should unwrap to its SyntaxError")
	}
}

func TestCommandString(t *testing.T) {
	for _, line := range []string{
		"-A -t 192.168.0.75:80 -s wrr",
		"-E -u 10.0.0.100:53 -s sh -p 360 -M 255.255.255.0 --pe sip -o -b sh-fallback,sh-port",
		"-D -f 1 -6",
		"-C",
		"-a -t 192.168.0.75:80 -r 172.16.0.45:8080 -m -w 3 -x 100 -y 50",
		"-e -t [2001:db8::1]:80 -r 10.0.0.1:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-remcsum",
		"-d -t 192.168.0.75:80 -r 172.16.0.45:8080",
	} {
		c, err := ParseRule(line)
		if err != nil {
			t.Fatalf("ParseRule(%q): %v", line, err)
		}
		if got := c.String(); got != line {
			t.Errorf("String() = %q, want %q", got, line)
		}
	}
}

func TestSuggestLong(t *testing.T) {
	for name, want := range map[string]string{
		"wieght": "--weight", "wight": "--weight", "sched": "--scheduler", "real": "--real-server",
		"tun-cusm": "--tun-csum", "pee": "--pe", "": "", "xyz": "", "ipvs": "--ipv6", "to": "",
	} {
		if got := suggestLong(name); got != want {
			t.Errorf("suggestLong(%q) = %q, want %q", name, got, want)
		}
	}
}
