package scenarios

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/topology"
)

func TestMain(m *testing.M) {
	lab.RunChildIfRequested() // the load generator runs as this test binary, re-executed in a lab host
	os.Exit(m.Run())
}

func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: builds network namespaces (make test runs as root in CI)")
	}
}

// upDefault brings up the NAT walkthrough under a fresh name and state directory, and takes it down when
// the test ends.
func upDefault(t testing.TB) *lab.Lab {
	t.Helper()
	requireRoot(t)
	b := make([]byte, 3)
	rand.Read(b)
	ctx := context.Background()
	l, err := lab.Up(ctx, topology.Default(), lab.Options{Name: "st-" + hex.EncodeToString(b), StateDir: t.TempDir(), WithoutIPVS: lab.CheckIPVS() != nil})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Down(ctx); err != nil {
			t.Error(err)
		}
	})
	return l
}
