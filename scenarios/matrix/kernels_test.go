package matrix

import (
	"strings"
	"testing"

	"github.com/lvslab/lvslab/vm/kernel"
)

// The kernel matrix names kernels by the microVM's own rules: the same default and the same package names.
func TestKernelChoicesFollowTheMicroVMsRules(t *testing.T) {
	t.Setenv(kernel.PackageEnv, "")
	if got := DefaultKernel().Package; got != "linux-image-amd64" {
		t.Errorf("default kernel %q, want linux-image-amd64", got)
	}
	t.Setenv(kernel.PackageEnv, "linux-image-6.12-amd64")
	if got := DefaultKernel().Package; got != "linux-image-6.12-amd64" {
		t.Errorf("default kernel with $%s set: %q, want linux-image-6.12-amd64", kernel.PackageEnv, got)
	}
	if ks, err := ParseKernels([]string{"linux-image-6.12.117+deb12-amd64"}); err != nil || ks[0].Package != "linux-image-6.12.117+deb12-amd64" {
		t.Errorf("a versioned package: %+v, %v", ks, err)
	}
	if _, err := ParseKernels([]string{"Linux Image"}); err == nil || !strings.Contains(err.Error(), "expected a Debian package") {
		t.Errorf("a name Debian does not allow: got %v, want it refused", err)
	}
}
