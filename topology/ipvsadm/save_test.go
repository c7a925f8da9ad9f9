package ipvsadm

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// referenceSave is the byte-exact output of ipvsadm 1.31 -S -n for sampleSnapshot.
const referenceSave = `-A -t 10.0.0.100:80 -s wrr
-a -t 10.0.0.100:80 -r 192.168.1.3:8080 -m -w 1
-a -t 10.0.0.100:80 -r 10.0.0.2:80 -i -w 2 --tun-type ipip
-A -t 10.0.0.100:443 -s wlc -p 360 -M 255.255.255.0
-a -t 10.0.0.100:443 -r 10.0.0.3:443 -g -w 1
-A -u 10.0.0.100:53 -s sh -b sh-fallback,sh-port
-A -u 10.0.0.100:5060 -s rr -p 120 --pe sip -o
-A -f 1 -s rr
-a -f 1 -r 10.0.0.4:0 -g -w 1
`

func save(t *testing.T, tab *Table) string {
	t.Helper()
	var b strings.Builder
	if err := tab.Save(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestSaveReferenceSample(t *testing.T) {
	var tab Table
	apply(t, &tab, referenceSave)
	if got := save(t, &tab); got != referenceSave {
		t.Errorf("Save of the restored sample:\n%s\nwant:\n%s", got, referenceSave)
	}

	// The same table typed by hand in another order, with defaults left out: the same output.
	var typed Table
	apply(t, &typed, `
ipvsadm -A -f 1 -s rr
ipvsadm -a -f 1 -r 10.0.0.4:0
ipvsadm -A --udp-service 10.0.0.100:5060 -s rr -o --pe sip -p 120
ipvsadm -A -u 10.0.0.100:53 -s sh -b sh-port,flag-1
ipvsadm -A -t 10.0.0.100:https -p -M 255.255.255.0
ipvsadm -a -t 10.0.0.100:443 -r 10.0.0.3 -x 100 -y 50
ipvsadm -A -t 10.0.0.100:http -s wrr
ipvsadm -a -t 10.0.0.100:80 -r 10.0.0.2 -i -w 2
ipvsadm -a -t 10.0.0.100:80 -r 192.168.1.3:http-alt -m`)
	if got := save(t, &typed); got != referenceSave {
		t.Errorf("Save of the typed table:\n%s\nwant:\n%s", got, referenceSave)
	}
}

func TestSaveSortQuirk(t *testing.T) {
	var tab Table
	apply(t, &tab, `
-A -t 192.168.1.3:80
-A -t 10.0.0.1:80
-A -u 10.0.0.1:80
-A -f 2
-A -f 1 -6
-A -t 10.0.0.1:443
-A -t [2001:db8::1]:80
-a -t 10.0.0.1:80 -r 10.0.0.1 -m
-a -t 10.0.0.1:80 -r 10.0.0.2 -m
-a -t 10.0.0.1:80 -r 192.168.1.3 -m
-a -t 10.0.0.1:80 -r 10.0.0.2:8080 -m`)
	want := `-A -t 192.168.1.3:80 -s wlc
-A -t 10.0.0.1:80 -s wlc
-a -t 10.0.0.1:80 -r 192.168.1.3:80 -m -w 1
-a -t 10.0.0.1:80 -r 10.0.0.1:80 -m -w 1
-a -t 10.0.0.1:80 -r 10.0.0.2:80 -m -w 1
-a -t 10.0.0.1:80 -r 10.0.0.2:8080 -m -w 1
-A -t 10.0.0.1:443 -s wlc
-A -u 10.0.0.1:80 -s wlc
-A -t [2001:db8::1]:80 -s wlc
-A -f 1 -6 -s wlc
-A -f 2 -s wlc
`
	if got := save(t, &tab); got != want {
		t.Errorf("Save:\n%s\nwant:\n%s", got, want)
	}
}

// 10.x < 100.x < 192.x < 10.x under ipvsadm's comparator: the order then depends on glibc's merge sort and
// on the kernel's list order (newest first), which Save follows.
func TestSaveCyclicOrderFollowsListOrder(t *testing.T) {
	var tab Table
	apply(t, &tab, `
-A -t 1.1.1.1:80
-a -t 1.1.1.1:80 -r 10.0.0.1 -m
-a -t 1.1.1.1:80 -r 100.0.0.1 -m
-a -t 1.1.1.1:80 -r 192.168.1.3 -m`)
	want := `-A -t 1.1.1.1:80 -s wlc
-a -t 1.1.1.1:80 -r 192.168.1.3:80 -m -w 1
-a -t 1.1.1.1:80 -r 10.0.0.1:80 -m -w 1
-a -t 1.1.1.1:80 -r 100.0.0.1:80 -m -w 1
`
	if got := save(t, &tab); got != want {
		t.Errorf("Save:\n%s\nwant:\n%s", got, want)
	}
}

func TestSaveFormats(t *testing.T) {
	var tab Table
	apply(t, &tab, `
-A -t [2001:db8::1]:80 -s mh -b mh-fallback -p 60 -M 64
-a -t [2001:db8::1]:80 -r [2001:db8::10]:8080 -m -w 0
-a -t [2001:db8::1]:80 -r 10.0.0.9 -i --tun-type gue --tun-port 6080
-a -t [2001:db8::1]:80 -r 10.0.0.8 -i --tun-type gre --tun-csum
-A -f 4294967295 -s fo -p 10 -M 255.255.0.0
-A --sctp-service 10.0.0.100:3868 -s twos
-a --sctp-service 10.0.0.100:3868 -r 10.0.0.5 -m -w 65535 -x 10`)
	// Mark 4294967295 sorts first: 0 - 4294967295 wraps to 1. IPv4 (AF_INET 2) sorts before IPv6 (10).
	want := `-A -f 4294967295 -s fo -p 10 -M 255.255.0.0
-A --sctp-service 10.0.0.100:3868 -s twos
-a --sctp-service 10.0.0.100:3868 -r 10.0.0.5:3868 -m -w 65535
-A -t [2001:db8::1]:80 -s mh -p 60 -M 64 -b mh-fallback
-a -t [2001:db8::1]:80 -r 10.0.0.8:80 -i -w 1 --tun-type gre --tun-csum
-a -t [2001:db8::1]:80 -r 10.0.0.9:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-nocsum
-a -t [2001:db8::1]:80 -r [2001:db8::10]:8080 -m -w 0
`
	if got := save(t, &tab); got != want {
		t.Errorf("Save:\n%s\nwant:\n%s", got, want)
	}
}

// canonical copies a table with services and real servers in a fixed order and without thresholds, which
// -S does not save.
func canonical(tab *Table) []Service {
	var out []Service
	for _, s := range tab.Services {
		c := *s
		c.Dests = slices.Clone(s.Dests)
		for i := range c.Dests {
			c.Dests[i].UThreshold, c.Dests[i].LThreshold = 0, 0
		}
		slices.SortFunc(c.Dests, func(a, b Dest) int { return a.Addr.Compare(b.Addr) })
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Service) int { return strings.Compare(a.String(), b.String()) })
	return out
}

func TestSaveRestoreRoundTrip(t *testing.T) {
	var orig Table
	apply(t, &orig, `
-A -t 192.168.0.75:80 -s wrr
-a -t 192.168.0.75:80 -r 172.16.0.45 -m -w 3
-a -t 192.168.0.75:80 -r 172.16.0.55 -m -w 1 -x 200 -y 100
-a -t 192.168.0.75:80 -r 172.16.0.65:8080 -m -w 0
-a -t 192.168.0.75:80 -r 10.0.0.1 -g
-a -t 192.168.0.75:80 -r 192.168.1.3 -i
-A -u 192.168.0.75:53 -s sh -b sh-fallback -o -p 30 -M 255.255.255.0
-a -u 192.168.0.75:53 -r 172.16.0.45 -m
-A -t [2001:db8::1]:443 -s mh -b mh-port,mh-fallback
-a -t [2001:db8::1]:443 -r [2001:db8::2]:443 -m -w 2
-a -t [2001:db8::1]:443 -r 10.0.0.7 -i --tun-type gue --tun-port 6080 --tun-remcsum
-A -f 3 -6 -s lblcr -p 600 -M 48
-a -f 3 -6 -r [2001:db8::3]:0 -g
-A -f 1 -s rr --pe sip -p`)

	saved := save(t, &orig)
	var restored Table
	apply(t, &restored, saved)

	if !reflect.DeepEqual(canonical(&restored), canonical(&orig)) {
		t.Errorf("restore differs from the original:\n got %+v\nwant %+v", canonical(&restored), canonical(&orig))
	}
	if again := save(t, &restored); again != saved {
		t.Errorf("second save differs:\n%s\nfirst:\n%s", again, saved)
	}

	// Each -a of the restore inserts at the head, so every list comes out in the reverse of the saved order.
	for _, s := range restored.Services {
		var savedOrder []string
		for _, line := range strings.Split(saved, "\n") {
			if strings.HasPrefix(line, "-a "+s.Option()+" -r ") {
				savedOrder = append(savedOrder, strings.Fields(strings.TrimPrefix(line, "-a "+s.Option()+" -r "))[0])
			}
		}
		slices.Reverse(savedOrder)
		if got := destAddrs(s); got != strings.Join(savedOrder, " ") {
			t.Errorf("%s: list order after restore %s, want the reverse of the saved order %s", s, got, savedOrder)
		}
	}
	// Saved as 172.16.0.45 .55 .65 < 192.168.1.3 < 10.0.0.1: 10.x is more than 2^31 away from 172.x and 192.x.
	if got, want := destAddrs(restored.Service(vip)), "10.0.0.1:80 192.168.1.3:80 172.16.0.65:8080 172.16.0.55:80 172.16.0.45:80"; got != want {
		t.Errorf("restored list order %s, want %s", got, want)
	}
}
