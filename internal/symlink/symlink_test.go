package symlink

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Point makes a link that Read and Is know, moves it in one rename, and leaves nothing else behind.
func TestPointReadIs(t *testing.T) {
	dir := t.TempDir()
	for _, target := range []string{"kernel-1", "kernel-2"} {
		if err := Point(dir, "linux-image-amd64", target); err != nil {
			t.Fatal(err)
		}
		if got, err := Read(dir, "linux-image-amd64"); err != nil || got != target {
			t.Errorf("Read: %q, %v; want %q", got, err, target)
		}
	}
	os.Mkdir(filepath.Join(dir, "kernel-2"), 0o755)
	entries, _ := os.ReadDir(dir)
	var links []string
	for _, e := range entries {
		if Is(dir, e) {
			links = append(links, e.Name())
		}
	}
	if len(entries) != 2 || strings.Join(links, " ") != "linux-image-amd64" {
		t.Errorf("%d entries, links %v; want the link and the folder", len(entries), links)
	}
}

// Where symbolic links are out of reach (Windows), a link is a small file naming its target, read back as
// untrusted data.
func TestPointerFiles(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "bookworm-amd64-c94456fd")
	if err := writePointer("bookworm-amd64-c94456fd-8240d4334d3ccde8", p); err != nil {
		t.Fatal(err)
	}
	if got, err := readPointer(p); err != nil || got != "bookworm-amd64-c94456fd-8240d4334d3ccde8" {
		t.Errorf("readPointer: %q, %v", got, err)
	}
	for _, bad := range []string{"", "lvslab link\n", "lvslab link\n../elsewhere\n", "lvslab link\nC:\\x\n", "something else\n",
		"lvslab link\nname", pointerHeader + strings.Repeat("x", maxPointer) + "\n"} {
		os.WriteFile(p, []byte(bad), 0o644)
		if got, err := readPointer(p); err == nil {
			t.Errorf("a pointer file holding %q read as %q", bad, got)
		}
	}
	if err := writePointer("../x", p); err == nil {
		t.Error("a target outside the folder was written")
	}
}
