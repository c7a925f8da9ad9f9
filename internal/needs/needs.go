// Package needs skips tests that need what this machine lacks, saying what and why. Its messages are
// markers: make test runs again, inside the microVM, every test skipped by IPVS, and boots VMs only
// when VMs are asked for (VMEnv).
package needs

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/lvslab/lvslab/ipvsnl"
)

// IPVSMarker begins the message of a test skipped for want of IPVS.
const IPVSMarker = "needs IPVS, and this kernel has none"

// VMEnv, set to 1, lets tests boot the microVM (make test sets it): a plain go test ./... boots none and
// fetches no kernel.
const VMEnv = "LVSLAB_VM_TESTS"

// Root skips the test unless it runs as root.
func Root(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: builds network namespaces (make test runs as root in CI)")
	}
}

// IPVS skips the test unless it runs as root on a kernel with IPVS.
func IPVS(t testing.TB) {
	t.Helper()
	Root(t)
	if err := ipvsnl.Check(); err != nil {
		t.Skipf("%s (make test runs this test in the microVM): %v", IPVSMarker, err)
	}
}

// VM skips the test unless VMs are asked for ($LVSLAB_VM_TESTS=1).
func VM(t testing.TB) {
	t.Helper()
	if os.Getenv(VMEnv) != "1" {
		t.Skipf("boots the microVM, which a plain go test does not: set %s=1 (make test does)", VMEnv)
	}
}

// ArchEnv, set to 1, lets tests boot a guest of another architecture than the host's, which TCG emulates
// for minutes: make test runs them in a go test of their own (test-arch), with a deadline to match.
const ArchEnv = "LVSLAB_ARCH_TESTS"

// OtherArchVM skips the test unless guests of another architecture are asked for ($LVSLAB_ARCH_TESTS=1).
func OtherArchVM(t testing.TB) {
	t.Helper()
	if os.Getenv(ArchEnv) != "1" {
		t.Skipf("boots a guest of another architecture under TCG, for minutes: set %s=1 (make test runs it in test-arch)", ArchEnv)
	}
}

// Lvslab builds lvslab into dir as make build does (static, stripped): the binary users run, for a test
// or a benchmark that must not take its own test binary for it.
func Lvslab(tb testing.TB, dir string) string {
	tb.Helper()
	path := filepath.Join(dir, "lvslab")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", path, "github.com/lvslab/lvslab/cmd/lvslab")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		tb.Fatalf("building lvslab: %v\n%s", err, out)
	}
	return path
}
