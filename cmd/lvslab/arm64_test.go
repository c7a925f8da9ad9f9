package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/internal/needs"
	"github.com/lvslab/lvslab/report"
	"github.com/lvslab/lvslab/vm"
)

// An arm64 guest, under TCG on an amd64 host: lvslab built for linux/arm64 beside lvslab is its /init, and
// Debian's arm64 kernel and programs run the demo (the 3:1 split exact) and the built-in suite, whose
// scenarios check the model against the kernel connection by connection.
func TestArm64Guest(t *testing.T) {
	needs.OtherArchVM(t)
	needMicroVM(t)
	if runtime.GOARCH != "amd64" {
		t.Skip("the guest of another architecture this test boots is arm64, from an amd64 host")
	}
	if _, err := exec.LookPath("qemu-system-aarch64"); err != nil {
		t.Skip("qemu-system-aarch64 not installed (apt-get install qemu-system-arm; make test does)")
	}
	dir := t.TempDir()
	c := newCLI(t)
	c.exe = needs.Lvslab(t, dir)
	guest := filepath.Join(dir, vm.GuestBinaryName("arm64"))
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", guest, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building lvslab for linux/arm64: %v\n%s", err, out)
	}

	out := c.expect(0, "demo", "--arch", "arm64")
	for _, want := range []string{"an arm64 guest on this amd64 host: only TCG emulates another architecture",
		"PASS: rs1:rs2 = 7500:2500", "microVM (TCG, arm64)"} {
		if !strings.Contains(out, want) {
			t.Errorf("lvslab demo --arch arm64: output lacks %q:\n%s", want, out)
		}
	}

	js := filepath.Join(dir, "arm64.json")
	out = c.expect(0, "test", "--arch", "arm64", "-j", "2", "--json", js)
	rep, err := report.ReadFile(js)
	if err != nil {
		t.Fatalf("the arm64 suite's report: %v\n%s", err, out)
	}
	if len(rep.Runs) != 1 || rep.Runs[0].Machine == nil || rep.Runs[0].Machine.Arch != "arm64" || !strings.HasSuffix(rep.Runs[0].Kernel.Release, "-arm64") {
		t.Errorf("the report does not say the suite ran on an arm64 guest and kernel: %+v", rep.Runs)
	}
	// The model against the kernel, connection by connection: a verdict named "model" in every
	// scheduler's scenario; only twos, which 6.1 lacks, may be skipped.
	models := 0
	for _, r := range rep.Results {
		if r.Result != report.Pass && !(r.Result == report.Skipped && r.Name == "twos") {
			t.Errorf("scenario %s on arm64: %s %s", r.Name, r.Result, r.Error)
		}
		for _, p := range r.Phases {
			for _, v := range p.Verdicts {
				if v.Name == "model" && v.Pass {
					models++
				}
			}
		}
	}
	if models < 20 {
		t.Errorf("%d model-against-kernel verdicts passed on arm64, want one for each scheduler's scenario (20 or more):\n%s", models, out)
	}
}
