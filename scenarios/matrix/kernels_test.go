package matrix

import (
	"strings"
	"testing"

	"github.com/lvslab/lvslab/vm"
	"github.com/lvslab/lvslab/vm/kernel"
)

// The kernel matrix names kernels by the microVM's own rules: the same default and the same package names.
func TestKernelChoicesFollowTheMicroVMsRules(t *testing.T) {
	t.Setenv(kernel.PackageEnv, "")
	t.Setenv(vm.ArchEnv, "")
	if got := DefaultKernel("amd64").Package; got != "linux-image-amd64" {
		t.Errorf("default kernel %q, want linux-image-amd64", got)
	}
	if got := DefaultKernel("arm64").Package; got != "linux-image-arm64" {
		t.Errorf("default kernel of an arm64 guest %q, want linux-image-arm64", got)
	}
	t.Setenv(vm.ArchEnv, "arm64")
	if got := DefaultKernel("").Package; got != "linux-image-arm64" {
		t.Errorf("default kernel with $%s=arm64: %q, want linux-image-arm64", vm.ArchEnv, got)
	}
	t.Setenv(kernel.PackageEnv, "linux-image-6.12-amd64")
	if got := DefaultKernel("amd64").Package; got != "linux-image-6.12-amd64" {
		t.Errorf("default kernel with $%s set: %q, want linux-image-6.12-amd64", kernel.PackageEnv, got)
	}
	if ks, err := ParseKernels([]string{"linux-image-6.12.117+deb12-amd64"}); err != nil || ks[0].Package != "linux-image-6.12.117+deb12-amd64" {
		t.Errorf("a versioned package: %+v, %v", ks, err)
	}
	if _, err := ParseKernels([]string{"Linux Image"}); err == nil || !strings.Contains(err.Error(), "expected a Debian package") {
		t.Errorf("a name Debian does not allow: got %v, want it refused", err)
	}
}
