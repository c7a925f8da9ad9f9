package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/internal/needs"
)

// A workshop laptop with no network: a bundle made where the network is, imported and used in a network
// namespace with no interface but loopback, into a cache of its own; the demo then passes there.
func TestBundleImportedWithNoNetwork(t *testing.T) {
	needMicroVM(t)
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("no unshare (util-linux) to cut the network")
	}
	dir := t.TempDir()
	c := newCLI(t)
	c.exe = needs.Lvslab(t, dir)
	file := filepath.Join(dir, "workshop.lvslab")
	out := c.expect(0, "bundle", "create", file, "--arch", "amd64")
	if !strings.Contains(out, "Debian bookworm amd64 (linux-image-amd64), and lvslab for linux/amd64") {
		t.Errorf("bundle create: %s", out)
	}
	offline := func(args ...string) (string, error) {
		cmd := exec.Command("unshare", append([]string{"--net", c.exe}, args...)...)
		cmd.Env = append(os.Environ(), "LVSLAB_CACHE="+filepath.Join(dir, "cache"), "LVSLAB_STATE_DIR="+c.stateDir)
		b, err := cmd.CombinedOutput()
		return string(b), err
	}
	if out, err := offline("vm", "--prepare"); err == nil {
		t.Fatalf("with no network and an empty cache, vm --prepare worked: the network is not cut\n%s", out)
	}
	out, err := offline("bundle", "import", file)
	if err != nil || !strings.Contains(out, "imported "+file) || !strings.Contains(out, "lvslab's binaries from the bundle: ") {
		t.Fatalf("bundle import with no network: %v\n%s", err, out)
	}
	out, err = offline("demo")
	if err != nil || !strings.Contains(out, "PASS: rs1:rs2 = 7500:2500") {
		t.Fatalf("demo with no network after the import: %v\n%s", err, out)
	}
}
