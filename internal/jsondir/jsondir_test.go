package jsondir

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestNames(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"b.json", "a.json", ".a.json.tmp", ".lock.json", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := Names(dir); err != nil || !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("Names = %v, %v; want [a b]", got, err)
	}
	if got, err := Names(filepath.Join(dir, "absent")); err != nil || got != nil {
		t.Errorf("a folder that is not there: %v, %v", got, err)
	}
}
