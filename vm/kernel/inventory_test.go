package kernel

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// A cache with a linked kernel and its .deb, a kernel replaced by a newer one, a dangling link, an index
// and a fetch that died: check finds the .deb altered since, prune keeps only what a link needs.
func TestInventoryChecksAndPrunes(t *testing.T) {
	cache := t.TempDir()
	root := filepath.Join(cache, "kernel")
	fakeCachedKernel(t, root, "linux-image-6.1.0-57-amd64_6.1.192-3", "6.1.0-57-amd64", time.Now())
	fakeCachedKernel(t, root, "linux-image-6.1.0-56-amd64_6.1.190-1", "6.1.0-56-amd64", time.Now())
	linkPackage(root, MetaPackage, "linux-image-6.1.0-57-amd64_6.1.192-3")
	os.Symlink("linux-image-6.12.1_6.12.1-1", filepath.Join(root, "linux-image-6.12-amd64"))
	elsewhere := t.TempDir()
	fakeCachedKernel(t, elsewhere, "k_1", "6.1.0-99-amd64", time.Now())
	os.Symlink("../../"+filepath.Base(elsewhere)+"/k_1", filepath.Join(root, "linux-image-6.1.0-99-amd64"))
	if k := cachedKernel(root, "linux-image-6.1.0-99-amd64"); k != nil {
		t.Errorf("a link out of the cache was followed to %s", k.Vmlinuz)
	}
	os.Mkdir(filepath.Join(root, tmpPrefix+"died"), 0o755)
	debs := filepath.Join(cache, "debian", "debs")
	os.MkdirAll(debs, 0o755)
	deb := func(name, body string) string {
		sum := sha256.Sum256([]byte(body))
		p := filepath.Join(debs, fmt.Sprintf("%s_amd64.%x.deb", name, sum))
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	kept := deb("linux-image-6.1.0-57-amd64_6.1.192-3", "the kernel")
	old := deb("linux-image-6.1.0-56-amd64_6.1.190-1", "the old kernel")
	os.MkdirAll(filepath.Join(cache, "debian", "indexes"), 0o755)
	os.WriteFile(filepath.Join(cache, "debian", "indexes", "abc.Packages.xz"), []byte("x"), 0o644)

	inv, err := ReadInventory(cache)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Kernels) != 2 || len(inv.Debs) != 2 || len(inv.Dangling) != 2 || len(inv.Indexes) != 1 {
		t.Fatalf("inventory %+v: want 2 kernels, 2 debs, 2 dangling links, 1 index", inv)
	}
	if problems := inv.Check(); len(problems) != 0 {
		t.Errorf("a cache as fetched: problems %v", problems)
	}
	os.WriteFile(kept, []byte("the kernel, altered"), 0o644)
	if problems := inv.Check(); len(problems) != 1 || !strings.Contains(problems[0].Error(), "changed since it was fetched") {
		t.Errorf("an altered .deb: problems %v, want it found", problems)
	}

	removed, err := Prune(context.Background(), cache)
	if err != nil {
		t.Fatal(err)
	}
	for i := range removed {
		removed[i] = strings.TrimPrefix(removed[i], cache+"/")
	}
	sort.Strings(removed)
	want := []string{"debian/debs/" + filepath.Base(old), "debian/indexes/abc.Packages.xz", "kernel/.tmp-died",
		"kernel/linux-image-6.1.0-56-amd64_6.1.190-1", "kernel/linux-image-6.1.0-99-amd64", "kernel/linux-image-6.12-amd64"}
	if fmt.Sprint(removed) != fmt.Sprint(want) {
		t.Errorf("prune removed\n%v\nwant\n%v", removed, want)
	}
	if k := cachedKernel(root, MetaPackage); k == nil || k.Version != "6.1.0-57-amd64" {
		t.Errorf("after prune, linux-image-amd64 is %+v; want its kernel kept", k)
	}
}
