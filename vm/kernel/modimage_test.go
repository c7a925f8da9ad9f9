package kernel

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lvslab/lvslab/internal/erofsimage"
)

// A cached kernel's module tree becomes one EROFS image beside it, built once; a kernel given by hand has
// none.
func TestModulesImage(t *testing.T) {
	root := t.TempDir()
	fakeCachedKernel(t, root, "linux-image-6.1.0-57-amd64_6.1.192-3", "6.1.0-57-amd64", time.Now())
	dir := filepath.Join(root, "linux-image-6.1.0-57-amd64_6.1.192-3")
	mods := filepath.Join(dir, "lib", "modules", "6.1.0-57-amd64")
	os.WriteFile(filepath.Join(mods, "kernel", "ip_vs_wrr.ko"), []byte("\x7fELF wrr"), 0o644)
	os.WriteFile(filepath.Join(mods, "modules.dep"), []byte("kernel/net/netfilter/ipvs/ip_vs_wrr.ko: kernel/net/netfilter/ipvs/ip_vs.ko\n"), 0o644)
	k := &Kernel{Version: "6.1.0-57-amd64", Modules: mods, Package: "linux-image-6.1.0-57-amd64"}
	path, err := ModulesImage(context.Background(), k)
	if err != nil {
		t.Fatal(err)
	}
	img, c, err := erofsimage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if data, err := fs.ReadFile(img, "kernel/ip_vs_wrr.ko"); err != nil || string(data) != "\x7fELF wrr" {
		t.Errorf("the image's ip_vs_wrr.ko: %q, %v", data, err)
	}
	st, _ := os.Stat(path)
	if again, err := ModulesImage(context.Background(), k); err != nil || again != path {
		t.Errorf("asked again: %s, %v; want %s", again, err, path)
	}
	if st2, _ := os.Stat(path); !st2.ModTime().Equal(st.ModTime()) {
		t.Error("asked again, the image was built again")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 { // boot, lib, modules.erofs
		t.Errorf("the kernel's folder holds %d entries after the build; want boot, lib and modules.erofs alone", len(entries))
	}
	byHand := &Kernel{Version: "6.1.0", Modules: mods}
	if _, err := ModulesImage(context.Background(), byHand); err == nil || !strings.Contains(err.Error(), "given by hand") {
		t.Errorf("a kernel given by hand: %v", err)
	}
}
