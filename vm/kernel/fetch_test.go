package kernel

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lvslab/lvslab/debian"
	"github.com/lvslab/lvslab/debian/debiantest"
)

// A metapackage leads to the newest versioned kernel package it depends on, across the release and its
// security updates.
func TestResolvePackageFollowsTheMetapackage(t *testing.T) {
	m := debiantest.NewMirror(t)
	m.Add(t, "debian", "bookworm", debiantest.Deb{Name: "linux-image-amd64", Version: "6.1.176-1", Arch: "amd64", Depends: "linux-image-6.1.0-50-amd64 (= 6.1.176-1)", Body: []byte("meta")})
	m.Add(t, "debian", "bookworm", debiantest.Deb{Name: "linux-image-6.1.0-50-amd64", Version: "6.1.176-1", Arch: "amd64", Depends: "kmod, linux-base (>= 4.3~)", Body: []byte("6.1.176")})
	m.Add(t, "debian-security", "bookworm-security", debiantest.Deb{Name: "linux-image-amd64", Version: "6.1.192-3", Arch: "amd64", Depends: "linux-image-6.1.0-57-amd64 (= 6.1.192-3)", Body: []byte("meta")})
	m.Add(t, "debian-security", "bookworm-security", debiantest.Deb{Name: "linux-image-6.1.0-57-amd64", Version: "6.1.192-3", Arch: "amd64", Body: []byte("6.1.192")})
	m.Publish(t)
	url := m.Serve(t)
	a := &debian.Archive{Mirror: debian.Mirror{URL: url, Security: url + "-security"}, Suite: "bookworm", Arch: "amd64", Cache: t.TempDir(), Keys: m.Keys}
	ix, err := a.Index(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p, err := ResolvePackage(ix, "linux-image-amd64", "amd64")
	if err != nil || p.Name != "linux-image-6.1.0-57-amd64" || p.Version != "6.1.192-3" {
		t.Errorf("linux-image-amd64 resolved to %+v, %v; want linux-image-6.1.0-57-amd64 6.1.192-3", p, err)
	}
	if _, err := ResolvePackage(ix, "linux-image-6.99-amd64", "amd64"); err == nil || !strings.Contains(err.Error(), "not in the Debian archive's index for amd64") {
		t.Errorf("an unknown package: %v, want it said plainly", err)
	}
}

// With the kernel in the cache, no mirror is asked: the mirror here answers nothing.
func TestWarmCacheTouchesNoNetwork(t *testing.T) {
	cache := t.TempDir()
	root := filepath.Join(cache, "kernel")
	fakeCachedKernel(t, root, "linux-image-6.1.0-57-amd64_6.1.192-3", "6.1.0-57-amd64", time.Now())
	if err := linkPackage(root, MetaPackage, "linux-image-6.1.0-57-amd64_6.1.192-3"); err != nil {
		t.Fatal(err)
	}
	dead := "http://127.0.0.1:1/debian"
	k, err := Ensure(context.Background(), Choice{Cache: cache, Package: MetaPackage, Mirror: dead})
	if err != nil || k.Version != "6.1.0-57-amd64" {
		t.Fatalf("warm cache: %+v, %v; want the cached kernel without asking %s", k, err, dead)
	}
	// An import asks the archive (the bundle) what the package stands for, whatever the cache holds.
	if _, err := Ensure(context.Background(), Choice{Cache: cache, Package: MetaPackage, Mirror: dead, Resolve: true}); err == nil || !strings.Contains(err.Error(), "check the network") {
		t.Errorf("Resolve with a warm cache: %v; want the mirror asked", err)
	}
	os.Remove(filepath.Join(root, MetaPackage))
	os.RemoveAll(filepath.Join(root, "linux-image-6.1.0-57-amd64_6.1.192-3"))
	_, err = Ensure(context.Background(), Choice{Cache: cache, Package: MetaPackage, Mirror: dead})
	if err == nil || !strings.Contains(err.Error(), "check the network, or pass another --mirror") {
		t.Errorf("cold cache, dead mirror: %v; want it said what to do", err)
	}
}

// Each release has its own link: trixie's linux-image-amd64 is never bookworm's kernel from the cache.
func TestCachedKernelBySuite(t *testing.T) {
	root := t.TempDir()
	fakeCachedKernel(t, root, "linux-image-6.1.0-57-amd64_6.1.192-3", "6.1.0-57-amd64", time.Now())
	fakeCachedKernel(t, root, "linux-image-6.12.57+deb13-amd64_6.12.57-1", "6.12.57+deb13-amd64", time.Now())
	linkPackage(root, MetaPackage, "linux-image-6.1.0-57-amd64_6.1.192-3")
	trixie := Choice{Suite: "trixie"}
	if k := trixie.cached(root, MetaPackage); k != nil {
		t.Errorf("trixie's linux-image-amd64 before it was fetched: %s, want none", k.Version)
	}
	linkPackage(root, trixie.link(MetaPackage), "linux-image-6.12.57+deb13-amd64_6.12.57-1")
	if k := trixie.cached(root, MetaPackage); k == nil || k.Version != "6.12.57+deb13-amd64" {
		t.Errorf("trixie's linux-image-amd64: %+v, want its own kernel", k)
	}
	if k := (Choice{Suite: "bookworm"}).cached(root, MetaPackage); k == nil || k.Version != "6.1.0-57-amd64" {
		t.Errorf("bookworm's linux-image-amd64: %+v", k)
	}
}
