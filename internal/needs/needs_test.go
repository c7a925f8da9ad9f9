package needs

import "testing"

func TestVMIsOptIn(t *testing.T) {
	t.Setenv(VMEnv, "")
	ran := t.Run("inner", func(t *testing.T) {
		VM(t)
		t.Error("a VM test ran without " + VMEnv + "=1")
	})
	if !ran {
		t.Error("the inner test failed instead of skipping")
	}
}
