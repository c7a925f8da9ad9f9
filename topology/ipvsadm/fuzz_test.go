package ipvsadm

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func FuzzParseRule(f *testing.F) {
	for _, line := range strings.Split(referenceSave, "\n") {
		f.Add(line)
	}
	for _, line := range []string{
		"ipvsadm -A -t 192.168.0.75:80 -s rr",
		"ipvsadm -a -t 192.168.0.75:80 -r 172.16.0.45 -m",
		"ipvsadm -e -t 192.168.0.75:80 -r 172.16.0.55:80 -m -w 1",
		"ipvsadm -E -t 192.168.0.75:80 -s wrr",
		"ipvsadm -d -t 192.168.0.75:80 -r 172.16.0.65:80",
		"-D -f 1 -6",
		"-A -f 7 -6 -p -M 64 -o",
		"--add-service --udp-service=[2001:db8::1]:http --scheduler=sh -b flag-1,sh-port -p 60",
		"-a -t [2001:db8::1]:80 -r 10.0.0.1 -i --tun-type gue --tun-port 6080 --tun-csum -x 10 -y 5",
		"-a --sctp-service 10.0.0.1:3868 -r 10.0.0.2 -mw3",
		"-a -t 1.2.3.4:80 -r 5.6.7.8 -i --tun-type=gre --tun-remcsum",
		"-A -t 192.168.0.75 -p1 -M 255.255.255.0 --pe sip",
	} {
		f.Add(line)
	}
	f.Fuzz(func(t *testing.T, line string) {
		c, err := ParseRule(line)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("ParseRule(%q): %T %v, want a *SyntaxError", line, err, err)
			}
			if se.Offset < 0 || se.Offset > len(line) || !strings.HasPrefix(line[se.Offset:], se.Token) {
				t.Fatalf("ParseRule(%q): token %q at %d is not in the line", line, se.Token, se.Offset)
			}
			return
		}
		if c.Op == OpClear {
			return
		}
		again, err := ParseRule(c.String())
		if err != nil {
			t.Fatalf("ParseRule(%q) printed %q, which does not parse: %v", line, c.String(), err)
		}
		if !reflect.DeepEqual(again, c) {
			t.Fatalf("ParseRule(%q) = %#v\nprinted %q, parsed back as %#v", line, c, c.String(), again)
		}
	})
}

// FuzzParseConns: whatever the text, ParseConns returns entries whose every field is valid, or an error.
func FuzzParseConns(f *testing.F) {
	f.Add([]byte(connText))
	f.Add([]byte(connHeader + "\nTCP 00000000 0000 00000000 0000 00000000 0000 NONE 0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		conns, err := ParseConns(data)
		if err != nil {
			return
		}
		for _, c := range conns {
			if !c.Client.IsValid() || !c.Virtual.IsValid() || !c.Dest.IsValid() || c.Expires < 0 || c.State == "" {
				t.Fatalf("entry with an invalid field: %+v", c)
			}
		}
	})
}
