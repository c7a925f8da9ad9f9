package scenarios

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/lab"
)

// requireIPVS skips where the kernel has no IPVS; make test runs these tests again in the microVM.
func requireIPVS(t testing.TB) {
	t.Helper()
	requireRoot(t)
	if err := lab.CheckIPVS(); err != nil {
		t.Skipf("needs IPVS, and this kernel has none (make test runs this test in the microVM): %v", err)
	}
}

func TestIPVSDemoReplaysTheWalkthroughAndFindsThreeToOne(t *testing.T) {
	requireIPVS(t)
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
	requireIPVS(t)
	ab, err := exec.LookPath("ab")
	if err != nil {
		t.Skip("needs Debian's ab (apt-get install apache2-utils)")
	}
	l := upDefault(t)
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
	rs1 := after["rs1"].Connections - before["rs1"].Connections
	rs2 := after["rs2"].Connections - before["rs2"].Connections
	if rs1 < 2999 || rs1 > 3001 || rs2 < 999 || rs2 > 1001 {
		t.Errorf("ab's 4000 connections reached rs1 %d and rs2 %d times, want 3000 and 1000 (±1)", rs1, rs2)
	}
}
