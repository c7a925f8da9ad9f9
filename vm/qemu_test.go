package vm

import (
	"slices"
	"strings"
	"testing"
)

// TestEmulationOnlyKernelOptions checks that what only saves time under TCG (rodata=off, norandmaps, /init's
// GODEBUG, init_on_alloc=0) is asked of the kernel under TCG, and that a KVM guest keeps Debian's defaults.
func TestEmulationOnlyKernelOptions(t *testing.T) {
	for _, kvm := range []bool{false, true} {
		args := qemuArgs(qemuConfig{hw: kvm, arch: guestArches[0]})
		i := slices.Index(args, "-append")
		if i < 0 || i+1 == len(args) {
			t.Fatalf("kvm=%v: no -append in %q", kvm, args)
		}
		words := strings.Fields(args[i+1])
		for _, w := range []string{"rodata=off", "norandmaps", "init_on_alloc=0", "GODEBUG=cpu.sse42=off,cpu.avx=off"} {
			want := !kvm && (!strings.HasPrefix(w, "GODEBUG=") || x86FeaturesOptional())
			if got := slices.Contains(words, w); got != want {
				t.Errorf("kvm=%v: kernel command line %q: %s there is %v, want %v", kvm, args[i+1], w, got, want)
			}
		}
	}
}
