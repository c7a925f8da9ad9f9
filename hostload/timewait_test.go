package hostload

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/labtest"
	"github.com/lvslab/lvslab/loadgen"
	"github.com/lvslab/lvslab/topology"
)

// The tutorial's load through the VIP, from Debian's ab and from lvslab load, on the NAT walkthrough.
//
// With the real servers' TIME_WAIT limit forced to 0, a server forgets each connection as soon as the
// client acknowledges its FIN, and answers any later segment of the client with a reset. That segment
// must come before the client has closed for the client to see the reset: on a busy machine it is the
// acknowledgement of a retransmitted FIN; here the servers send every segment twice and the client one
// in a hundred (netem), so that it happens on any machine. Both generators must count those resets as
// failed requests: lvslab load as many as the client's kernel saw reach its open connections
// (TcpEstabResets), ab some (it loses track of a connection it saw reset, and may give up waiting for
// it). ab's own tally is not bounded by the kernel's: its "Exceptions" counts each error poll reports,
// and it has been seen one above the resets that reached the client. With the lab's own limit the servers keep every connection they close, and neither generator
// fails a request, over more connections than the kernel's default for a 1 GiB machine (4096) would hold.
func TestIPVSLoadCountsTheFailuresAbCounts(t *testing.T) {
	labtest.RequireIPVS(t)
	ab, err := exec.LookPath("ab")
	if err != nil {
		t.Skip("needs Debian's ab (apt-get install apache2-utils)")
	}
	t.Run("servers that forget at once", func(t *testing.T) {
		topo := topology.Default()
		servers := []string{"rs1", "rs2"}
		for _, rs := range servers {
			h := topo.Host(rs)
			h.Sysctls = append(h.Sysctls, topology.Sysctl{Key: "net.ipv4.tcp_max_tw_buckets", Value: "0"})
		}
		l := labtest.New(t, topo, labtest.NeedIPVS())
		for _, rs := range servers {
			duplicate(t, l, rs, "100%")
		}
		duplicate(t, l, "client", "1%")
		const n, c = 2000, 100
		runs := []generatorRun{runAb(t, l, ab, n, c), loadFromClient(t, l, n, c)}
		for _, r := range runs {
			t.Log(r)
			if r.overflows == 0 {
				t.Errorf("%s: the real servers never overflowed their TIME_WAIT limit of 0 over %d connections", r.name, n)
			}
		}
		if runs[0].resets == 0 || runs[1].resets == 0 {
			t.Skipf("no reset reached a connection still open in one of the runs (%s; %s): this machine closed each connection before the server's reset came, so there was nothing to count", runs[0], runs[1])
		}
		for _, r := range runs {
			if r.failed == 0 {
				t.Errorf("%s counted no failed request; the client's kernel saw %d resets reach open connections: want at least one", r.name, r.resets)
			}
		}
		if lg := runs[1]; int64(lg.resetsCounted) > lg.resets {
			t.Errorf("lvslab load counted %d resets after a response; the client's kernel saw %d reach open connections: want no more", lg.resetsCounted, lg.resets)
		}
		if lg := runs[1]; 2*int64(lg.resetsCounted) < lg.resets {
			t.Errorf("lvslab load counted %d of the %d resets that reached its connections; want at least half (it checks each connection for a reset just before closing it)", lg.resetsCounted, lg.resets)
		}
	})
	t.Run("the lab's own limit", func(t *testing.T) {
		l := labtest.New(t, topology.Default(), labtest.NeedIPVS())
		const n, c = 6000, 100 // 4500 to rs1, more than 4096
		for _, r := range []generatorRun{runAb(t, l, ab, n, c), loadFromClient(t, l, n, c)} {
			t.Log(r)
			if r.overflows != 0 || r.failed != 0 {
				t.Errorf("%s: the real servers overflowed their TIME_WAIT limit %d times and %d requests failed; want none (net.ipv4.tcp_max_tw_buckets is too low for the load)", r.name, r.overflows, r.failed)
			}
		}
	})
}

// duplicate has host send the given share of its segments twice (tc's netem), as retransmissions do.
func duplicate(t *testing.T, l *lab.Lab, host, share string) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command("tc", "qdisc", "add", "dev", "eth0", "root", "netem", "duplicate", share)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := l.Run(cmd, host); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("%s: tc qdisc add dev eth0 root netem duplicate %s: %v\n%s", host, share, err, out.String())
		}
		t.Skipf("needs tc (iproute2) to duplicate segments: %v", err)
	}
}

// generatorRun is what one load generator counted, and what the kernels saw meanwhile.
type generatorRun struct {
	name          string
	failed        int   // failed requests, as the generator counts them
	resetsCounted int   // of those, resets on a connection that had its response (ab: "Exceptions")
	resets        int64 // resets that reached the client's open connections (the client's TcpEstabResets)
	overflows     int64 // connections the real servers forgot for want of TIME_WAIT room
}

func (r generatorRun) String() string {
	return fmt.Sprintf("%s: %d failed requests, %d of them resets; the client's kernel saw %d resets reach open connections; the real servers overflowed TIME_WAIT %d times",
		r.name, r.failed, r.resetsCounted, r.resets, r.overflows)
}

func runAb(t *testing.T, l *lab.Lab, ab string, n, c int) generatorRun {
	t.Helper()
	r := generatorRun{name: "ab"}
	var out bytes.Buffer
	var runErr error
	r.measure(t, l, func() {
		cmd := exec.Command(ab, "-q", "-n", strconv.Itoa(n), "-c", strconv.Itoa(c), "http://192.168.0.75/")
		cmd.Stdout, cmd.Stderr = &out, &out
		runErr = l.Run(cmd, "client")
	})
	var err error
	if runErr != nil {
		// ab gives up when no connection moves for 30 s: the ones it lost track of after a reset.
		completed, err := abCount(out.String(), "Total of")
		if err != nil {
			t.Fatalf("ab: %v\n%s", runErr, out.String())
		}
		r.name += " (gave up)"
		r.failed = n - completed
		return r
	}
	if r.failed, err = abCount(out.String(), "Failed requests:"); err != nil {
		t.Fatal(err)
	}
	if r.failed > 0 {
		if r.resetsCounted, err = abCount(out.String(), "Exceptions:"); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func loadFromClient(t *testing.T, l *lab.Lab, n, c int) generatorRun {
	t.Helper()
	r := generatorRun{name: "lvslab load"}
	r.measure(t, l, func() {
		res, err := Run(context.Background(), l, "client", loadgen.Options{URL: "http://192.168.0.75/", Requests: n, Concurrency: c}, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.failed, r.resetsCounted = res.Failures.Total(), res.Failures.ResetAfterResponse
	})
	return r
}

// measure runs load and notes the resets that reached the client and the real servers' TIME_WAIT overflows.
func (r *generatorRun) measure(t *testing.T, l *lab.Lab, load func()) {
	t.Helper()
	const resets, overflows = "TcpEstabResets", "TcpExtTCPTimeWaitOverflow"
	servers := []string{"rs1", "rs2"}
	client := tcpCounters(t, l, "client")[resets]
	var before int64
	for _, s := range servers {
		before += tcpCounters(t, l, s)[overflows]
	}
	load()
	r.resets = tcpCounters(t, l, "client")[resets] - client
	for _, s := range servers {
		r.overflows += tcpCounters(t, l, s)[overflows]
	}
	r.overflows -= before
}

// tcpCounters reads a host's /proc/net/snmp and /proc/net/netstat, named as nstat names them
// (TcpEstabResets, TcpExtTCPTimeWaitOverflow).
func tcpCounters(t *testing.T, l *lab.Lab, host string) map[string]int64 {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command("cat", "/proc/net/snmp", "/proc/net/netstat")
	cmd.Stdout = &out
	if err := l.Run(cmd, host); err != nil {
		t.Fatalf("reading %s's counters: %v", host, err)
	}
	counters := map[string]int64{}
	lines := strings.Split(out.String(), "\n")
	for i := 0; i+1 < len(lines); i++ {
		names, values := strings.Fields(lines[i]), strings.Fields(lines[i+1])
		if len(names) < 2 || len(names) != len(values) || names[0] != values[0] {
			continue
		}
		group := strings.TrimSuffix(names[0], ":")
		for j, name := range names[1:] {
			if v, err := strconv.ParseInt(values[j+1], 10, 64); err == nil {
				counters[group+name] = v
			}
		}
		i++
	}
	if _, ok := counters["TcpEstabResets"]; !ok {
		t.Fatalf("%s's /proc/net/snmp has no Tcp EstabResets:\n%s", host, out.String())
	}
	return counters
}

// abCount is the number after label in ab's report ("Failed requests:        7", "Exceptions: 5)").
func abCount(report, label string) (int, error) {
	_, rest, ok := strings.Cut(report, label)
	if !ok {
		return 0, fmt.Errorf("ab's report has no %q:\n%s", label, report)
	}
	digits := strings.TrimLeft(rest, " ")
	end := strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' })
	if end > 0 {
		digits = digits[:end]
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		return 0, fmt.Errorf("ab's report: %q is followed by no number:\n%s", label, report)
	}
	return n, nil
}
