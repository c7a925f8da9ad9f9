package scenarios

import (
	"bytes"
	"context"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/labtest"
	"github.com/lvslab/lvslab/topology"
)

func TestIPVSDemoReplaysTheWalkthroughAndFindsThreeToOne(t *testing.T) {
	labtest.RequireIPVS(t)
	var out bytes.Buffer
	err := Demo(context.Background(), &out, DemoOptions{Name: "st-demo", Requests: 2000, Concurrency: 50})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{
		"TCP  192.168.0.75:80 rr\n",
		"RS1.magedu.com", "RS2.magedu.com", "RS3.magedu.com",
		"TCP  192.168.0.75:80 wrr\n  -> 172.16.0.45:80               Masq    3 ",
		"PASS: rs1:rs2 = 1500:500",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the demo's narration lacks %q:\n%s", want, out.String())
		}
	}
}

// TestIPVSAbThroughTheVIPSplitsThreeToOne cross-checks with Debian's ab: the tutorial's own load, run from
// the client against the VIP, splits 3:1 at the real servers.
func TestIPVSAbThroughTheVIPSplitsThreeToOne(t *testing.T) {
	labtest.RequireIPVS(t)
	ab, err := exec.LookPath("ab")
	if err != nil {
		t.Skip("needs Debian's ab (apt-get install apache2-utils)")
	}
	l := labtest.New(t, topology.Default())
	ctx := context.Background()
	before, err := l.ServerStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command(ab, "-q", "-n", "4000", "-c", "50", "http://192.168.0.75/index.html")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := l.Run(cmd, "client"); err != nil {
		t.Fatalf("ab: %v\n%s", err, out.String())
	}
	if _, err := abRequestsPerSecond(out.String(), 4000); err != nil {
		t.Fatal(err)
	}
	after, err := l.ServerStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// ab may open a few connections more than it needs near the end and close them unused; IPVS schedules
	// those too, so the 3:1 holds for the connections the servers accepted, whatever their number.
	rs1 := int(after["rs1"].Connections - before["rs1"].Connections)
	rs2 := int(after["rs2"].Connections - before["rs2"].Connections)
	requests := after["rs1"].Requests + after["rs2"].Requests - before["rs1"].Requests - before["rs2"].Requests
	total := rs1 + rs2
	if requests != 4000 || total < 4000 || abs(rs1-3*total/4) > 1 || abs(rs2-total/4) > 1 {
		t.Errorf("ab's 4000 requests came on %d connections, rs1 %d and rs2 %d; want 3:1 within one (%d and %d)",
			total, rs1, rs2, 3*total/4, total/4)
	}
}

// A step given a time is done while the load goes on, and said where; one the load does not last to is
// an error that says so.
func TestIPVSStepsAtATime(t *testing.T) {
	labtest.RequireIPVS(t)
	parse := func(yaml string) *Scenario {
		t.Helper()
		sc, err := Parse("t.yaml", []byte(yaml))
		if err != nil {
			t.Fatal(err)
		}
		return sc
	}
	const head = "rules: |\n  -A -t 192.168.0.75:80 -s rr\n  -a -t 192.168.0.75:80 -r 172.16.0.45 -m\n  -a -t 192.168.0.75:80 -r 172.16.0.55 -m\n"
	out := Run(context.Background(), parse("name: at-sysctl\n"+head+"load: {connections: 20}\nsteps: [{at: 1ms, sysctl: expire_nodest_conn=1}]\n"), RunOptions{})
	if !out.Pass() || len(out.Phases) != 1 || !slices.Equal(out.Phases[0].Steps, []string{"at 1ms: net.ipv4.vs.expire_nodest_conn=1"}) || out.Sysctls["expire_nodest_conn"] != "1" {
		t.Errorf("a sysctl at 1 ms: pass %v, err %v, steps %v, sysctls %v", out.Pass(), out.Err, out.Phases, out.Sysctls)
	}
	out = Run(context.Background(), parse("name: at-too-late\n"+head+"load: {connections: 2}\nsteps: [{at: 4m, sysctl: expire_nodest_conn=1}]\n"), RunOptions{})
	if out.Err == nil || !strings.Contains(out.Err.Error(), "step at 4m0s") || !strings.Contains(out.Err.Error(), "before it") {
		t.Errorf("a step after the load's end: %v, want an error saying the load ended before it", out.Err)
	}
}
