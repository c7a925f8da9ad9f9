// Package labtest brings lvslab labs up inside Go tests and takes them down when the test ends:
//
//	func TestMain(m *testing.M) { labtest.Main(m) }
//
//	func TestMyBalancer(t *testing.T) {
//		l := labtest.New(t, topology.Default()) // the NAT walkthrough, under a fresh name
//		var out strings.Builder
//		curl := exec.Command("curl", "-s", "http://172.16.0.45/")
//		curl.Stdout = &out
//		if err := l.Run(curl, "director"); err != nil { // run inside the director's namespace
//			t.Fatal(err)
//		}
//		// out.String() == "RS1.magedu.com\n"
//	}
//
// A lab needs root (it builds network namespaces): New skips the test otherwise, saying why. A lab whose
// topology has IPVS services is brought up without them where the kernel has no IPVS, unless the test
// asks for IPVS (RequireIPVS, or the NeedIPVS option), which skips it there instead; lvslab's own make
// test runs those tests again inside its microVM, which has IPVS.
package labtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/lvslab/lvslab/internal/child"
	"github.com/lvslab/lvslab/internal/needs"
	"github.com/lvslab/lvslab/ipvsnl"
	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/topology"
	"github.com/lvslab/lvslab/vm/guest"
)

// Main runs a test binary's tests. The binary must be able to become lvslab's children (the real servers'
// process, the load generator) and, in lvslab's microVM, the guest's /init: call Main from TestMain.
func Main(m *testing.M) {
	guest.RunIfInit(nil)
	child.RunIfRequested()
	os.Exit(m.Run())
}

// RequireRoot skips the test unless it runs as root.
func RequireRoot(t testing.TB) {
	t.Helper()
	needs.Root(t)
}

// RequireIPVS skips the test unless it runs as root on a kernel with IPVS. lvslab's make test picks out
// the tests it skipped to run them again in the microVM.
func RequireIPVS(t testing.TB) {
	t.Helper()
	needs.IPVS(t)
}

type config struct {
	opts     lab.Options
	needIPVS bool
}

// Option adjusts New.
type Option func(*config)

// Name gives the lab a name of the test's choosing (default: a fresh "lt-" name, so that tests and a
// user's own labs never collide).
func Name(name string) Option { return func(c *config) { c.opts.Name = name } }

// NeedIPVS skips the test where the kernel has no IPVS, instead of bringing the lab up without it.
func NeedIPVS() Option { return func(c *config) { c.needIPVS = true } }

// NoLint brings the lab up even when its real servers are not set up for their forwarding methods.
func NoLint() Option { return func(c *config) { c.opts.NoLint = true } }

// New brings topo up for the test, in a state directory of the test's own, and takes it down when the
// test ends (a failure to take it down fails the test).
func New(t testing.TB, topo *topology.Topology, opts ...Option) *lab.Lab {
	t.Helper()
	c := &config{}
	for _, o := range opts {
		o(c)
	}
	if c.needIPVS {
		RequireIPVS(t)
	} else {
		RequireRoot(t)
		c.opts.WithoutIPVS = ipvsnl.Check() != nil
	}
	if c.opts.Name == "" {
		b := make([]byte, 3)
		rand.Read(b)
		c.opts.Name = "lt-" + hex.EncodeToString(b)
	}
	c.opts.StateDir = t.TempDir()
	ctx := context.Background()
	l, err := lab.Up(ctx, topo, c.opts)
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
