package labs

import (
	"os"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/ipvsnl"
	"github.com/lvslab/lvslab/vm/proto"
)

// Where a lab lives, for every --vm and what the command needs, on this kernel as it is.
func TestDecideFollowsTheFlagTheKernelAndTheUser(t *testing.T) {
	t.Setenv(proto.InVMEnv, "")
	noIPVS := ipvsnl.Check() != nil
	notRoot := os.Geteuid() != 0
	ipvs, root := Needs{IPVS: true}, Needs{Root: true}
	for _, c := range []struct {
		mode   Mode
		needs  Needs
		inVM   bool
		reason string
		noIPVS bool // WithoutIPVS
	}{
		{Always, Needs{}, true, "--vm=always", false},
		{Auto, Needs{}, false, "", false},
		{Never, Needs{}, false, "", false},
		{Auto, ipvs, noIPVS, map[bool]string{true: "this kernel has no IPVS"}[noIPVS], false},
		{Never, ipvs, false, "", noIPVS},
		{Auto, root, notRoot, map[bool]string{true: "not root"}[notRoot], false},
	} {
		d, err := Decide(c.mode, c.needs)
		if err != nil || d.InVM != c.inVM || d.Reason != c.reason || d.WithoutIPVS != c.noIPVS {
			t.Errorf("Decide(%s, %+v) = %+v, %v; want in a microVM %v (%q), without IPVS %v", c.mode, c.needs, d, err, c.inVM, c.reason, c.noIPVS)
		}
	}
	// A user who is not root is told, in one line, what to do instead of a lab on this kernel.
	if _, err := decide(Never, root, true); err != ErrNeedsRoot {
		t.Errorf("--vm=never, not root: %v, want ErrNeedsRoot", err)
	}
	if d, err := decide(Auto, root, true); err != nil || !d.InVM || d.Reason != "not root" {
		t.Errorf("auto, not root: %+v, %v; want a microVM", d, err)
	}
	// In a microVM lvslab started, the lab is always here: never a machine in a machine.
	t.Setenv(proto.InVMEnv, "1")
	if d, err := Decide(Always, ipvs); err != nil || d.InVM {
		t.Errorf("in the guest, Decide(always) = %+v, %v; want here", d, err)
	}
	if _, err := Decide("sometimes", ipvs); err == nil {
		t.Error("--vm=sometimes was taken")
	}
}

// TestDecideElsewhere: on macOS or Windows a lab always lives in the microVM, and --vm=never says why not.
func TestDecideElsewhere(t *testing.T) {
	for _, goos := range []string{"darwin", "windows"} {
		if d, err := elsewhere(Auto, goos); err != nil || !d.InVM || !strings.Contains(d.Reason, goos) {
			t.Errorf("%s, --vm=auto: got %+v, %v; want the microVM, saying why", goos, d, err)
		}
		if _, err := elsewhere(Never, goos); err == nil || !strings.Contains(err.Error(), "drop --vm=never") {
			t.Errorf("%s, --vm=never: got %v, want it refused", goos, err)
		}
	}
}
