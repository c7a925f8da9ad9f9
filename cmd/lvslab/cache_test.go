package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// lvslab cache check says which .deb changed since it was fetched, and exits 1; prune then removes it.
func TestCacheCheckFindsAnAlteredPackage(t *testing.T) {
	c := newCLI(t)
	cache := t.TempDir()
	debs := filepath.Join(cache, "debian", "debs")
	os.MkdirAll(debs, 0o755)
	sum := sha256.Sum256([]byte("ipvsadm"))
	deb := filepath.Join(debs, fmt.Sprintf("ipvsadm_1%%3a1.31-1+b1_amd64.%x.deb", sum))
	os.WriteFile(deb, []byte("ipvsadm"), 0o644)
	if out, code := c.run("cache", "check", "--cache", cache); code != 0 || !strings.Contains(out, "0 kernels and 1 packages read again: all as fetched") {
		t.Errorf("a cache as fetched: exit %d\n%s", code, out)
	}
	if out, _ := c.run("cache", "--cache", cache); !strings.Contains(out, "ipvsadm 1:1.31-1+b1 amd64") {
		t.Errorf("list:\n%s\nwant ipvsadm with its version", out)
	}
	os.WriteFile(deb, []byte("ipvsadn"), 0o644)
	out, code := c.run("cache", "check", "--cache", cache)
	if code != 1 || !strings.Contains(out, "changed since it was fetched") || !strings.Contains(out, "lvslab cache prune") {
		t.Errorf("an altered .deb: exit %d\n%s\nwant 1, the file named and what to do", code, out)
	}
	if out, code := c.run("cache", "prune", "--cache", cache); code != 0 || !strings.Contains(out, "1 removed") {
		t.Errorf("prune: exit %d\n%s", code, out)
	}
	if out, code := c.run("cache", "clean", "--cache", cache); code != 2 || !strings.Contains(out, "expected list, check or prune") {
		t.Errorf("an unknown action: exit %d\n%s", code, out)
	}
}
