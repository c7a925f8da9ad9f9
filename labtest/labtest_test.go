package labtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/ipvsnl"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/topology"
)

func TestMain(m *testing.M) { Main(m) }

// New's lab answers while the test runs and is gone once it ends.
func TestNewTakesTheLabDownWhenTheTestEnds(t *testing.T) {
	RequireRoot(t)
	var name string
	t.Run("inner", func(t *testing.T) {
		l := New(t, topology.Default(), Name("lt-fixture"))
		name = l.Name
		var out strings.Builder
		curl := exec.Command("curl", "-s", "--max-time", "5", "http://172.16.0.45/")
		curl.Stdout = &out
		if err := l.Run(curl, "director"); err != nil || out.String() != "RS1.magedu.com\n" {
			t.Errorf("curl from the director: %q, %v", out.String(), err)
		}
	})
	if ns, _ := filepath.Glob(filepath.Join(lab.NetnsDir, name+"-*")); len(ns) > 0 {
		t.Errorf("namespaces left after the test: %v", ns)
	}
}

func TestRequireIPVSSaysWhy(t *testing.T) {
	if os.Geteuid() != 0 || ipvsnl.Check() == nil {
		t.Skip("shows its message only as root on a kernel without IPVS")
	}
	ran := t.Run("inner", func(t *testing.T) {
		RequireIPVS(t)
		t.Error("ran on a kernel without IPVS")
	})
	if !ran {
		t.Error("the inner test failed instead of skipping")
	}
}
