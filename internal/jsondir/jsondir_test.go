package jsondir

import (
	"errors"
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

// OpenAll skips a record taken away meanwhile and reports one it cannot read, keeping the others.
func TestOpenAll(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a.json", "b.json", "c.json"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	gone, broken := errors.New("gone"), errors.New("broken")
	got, err := OpenAll(dir, func(n string) (string, error) {
		switch n {
		case "b":
			return "", gone
		case "c":
			return "", broken
		}
		return n, nil
	}, func(err error) bool { return errors.Is(err, gone) })
	if !slices.Equal(got, []string{"a"}) || !errors.Is(err, broken) || errors.Is(err, gone) {
		t.Errorf("OpenAll = %v, %v; want [a] and the broken record's error only", got, err)
	}
}
