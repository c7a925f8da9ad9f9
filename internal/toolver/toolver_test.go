package toolver

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFirstLine(t *testing.T) {
	dir := t.TempDir()
	script := "#!/bin/sh\n[ \"$1\" = --version ] || exit 3\nprintf '  tool v1.2 (build 7)  \\nsecond line\\n'\n"
	if err := os.WriteFile(filepath.Join(dir, "tool"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "broken"), []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	for name, want := range map[string]string{"tool": "tool v1.2 (build 7)", "broken": "", "absent": ""} {
		if got := FirstLine(t.Context(), name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}
