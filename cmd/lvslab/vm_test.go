package main

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/lvslab/lvslab/internal/needs"
	"github.com/lvslab/lvslab/labtest"
	"github.com/lvslab/lvslab/vm"
	"github.com/lvslab/lvslab/vm/proto"
)

// needMicroVM skips unless this machine can boot the microVM with this test binary as its /init.
func needMicroVM(t *testing.T) {
	t.Helper()
	needs.VM(t)
	labtest.RequireRoot(t)
	if testing.Short() {
		t.Skip("-short: skipping the tests that boot the microVM")
	}
	if proto.InGuest() {
		t.Skip("already in the microVM, which does not nest")
	}
	if err := vm.CheckInit("", ""); err != nil {
		t.Skipf("this test binary cannot be the guest's /init: %v", err)
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("qemu-system-x86_64 not installed (apt-get install qemu-system-x86)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if _, err := vm.EnsureKernel(ctx, vm.Options{}); err != nil {
		t.Skipf("no kernel for the microVM: %v", err)
	}
}

// The README's example: lvslab is on the VM's PATH, and a lab goes up, answers and goes down in it.
func TestVMRunsLvslabFromItsPATH(t *testing.T) {
	needMicroVM(t)
	c := newCLI(t)
	out := c.expect(0, "vm", "--", "sh", "-c", "lvslab up && lvslab exec client -- curl -s http://192.168.0.75/ && lvslab down")
	for _, want := range []string{"lab nat-walkthrough is up", "magedu.com", "lab nat-walkthrough is down", "lvslab: microVM under "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "not found") {
		t.Errorf("something was not found in the VM:\n%s", out)
	}
}

func TestVMRefusesAnUnknownAccelerator(t *testing.T) {
	c := newCLI(t)
	out := c.expect(exitUnusable, "vm", "--accel", "hvf", "--", "true")
	if !strings.Contains(out, `accelerator "hvf" (from --accel) is macOS's, and this is linux: expected auto, kvm or tcg`) {
		t.Errorf("--accel hvf: got\n%s", out)
	}
	t.Setenv(vm.AccelEnv, "xen")
	out = c.expect(exitUnusable, "vm", "--", "true")
	if !strings.Contains(out, `accelerator "xen" (from $LVSLAB_ACCEL)`) {
		t.Errorf("LVSLAB_ACCEL=xen: got\n%s", out)
	}
}

// An architecture lvslab does not boot is refused before anything says a machine boots.
func TestAnUnknownArchitectureIsRefusedAtOnce(t *testing.T) {
	c := newCLI(t)
	for _, args := range [][]string{{"demo", "--arch", "mips"}, {"vm", "--arch", "mips", "--", "true"}, {"test", "--arch", "mips"}} {
		out := c.expect(exitUnusable, args...)
		if !strings.Contains(out, `guest architecture "mips" (from --arch): expected amd64 or arm64`) || strings.Contains(out, "microVM") {
			t.Errorf("lvslab %s: got\n%s", strings.Join(args, " "), out)
		}
	}
}
