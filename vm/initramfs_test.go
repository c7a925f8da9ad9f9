package vm

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/lvslab/lvslab/vm/kernel"
	"github.com/lvslab/lvslab/vm/kernel/kerneltest"
	"github.com/lvslab/lvslab/vm/proto"
)

// twoModules makes a module tree with two modules in kernel/x, virtio_mmio and ip_vs, and returns the
// tree and their files.
func twoModules(t *testing.T) (tree, virtioMMIO, ipvs string) {
	tree = filepath.Join(t.TempDir(), "lib/modules/6.12.0-test")
	dir := filepath.Join(tree, "kernel/x")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return tree, kerneltest.FakeModule(t, dir, "virtio_mmio", "depends=\x00"), kerneltest.FakeModule(t, dir, "ip_vs", "depends=\x00")
}

// TestInitramfsUnpacksModules checks that compressed modules land in the initramfs unpacked, and that it
// holds no modprobe: the kernel's own module requests while it boots would each start /init for nothing.
func TestInitramfsUnpacksModules(t *testing.T) {
	tree, plain, packed := twoModules(t)
	want, _ := os.ReadFile(packed)
	kerneltest.Compress(t, "xz", packed)

	boot := []kernel.LoadStep{{Name: "virtio_mmio", Path: "kernel/x/virtio_mmio.ko"}}
	load := []kernel.LoadStep{{Name: "virtio_mmio", Path: "kernel/x/virtio_mmio.ko"}, {Name: "ip_vs", Path: "kernel/x/ip_vs.ko.xz"}}
	mods := initramfsModules(boot, load)
	if len(mods) != 2 || mods[1].Name != "ip_vs" {
		t.Fatalf("initramfsModules: got %v, want virtio_mmio and ip_vs", mods)
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "initramfs"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	j := &proto.Job{Tree: tree}
	if err := writeInitramfs(context.Background(), f, plain, j, &kernel.ModIndex{}, tree, mods, false); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(f.Name())
	entries, err := parseCpio(data)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, e := range entries {
		switch e.name {
		case "lvslab/ko/ip_vs.ko":
			found++
			if e.data != string(want) {
				t.Errorf("lvslab/ko/ip_vs.ko holds %d bytes, want the %d of the unpacked module", len(e.data), len(want))
			}
		case "lvslab/ko/virtio_mmio.ko":
			found++
		case proto.KernelModprobe[1:]:
			t.Errorf("the initramfs holds %s: the kernel would run it for its requests while it boots", proto.KernelModprobe)
		}
	}
	if found != 2 {
		t.Errorf("the initramfs lacks a module: %v", entries)
	}
}

// TestInitramfsDropsSignatures checks that the modules of a kernel that loads unsigned ones land in the
// initramfs without their signatures (the guest would hash them under emulation), and that a kernel that
// enforces signatures gets them as they are.
func TestInitramfsDropsSignatures(t *testing.T) {
	tree, plain, packed := twoModules(t)
	unsigned := map[string][]byte{}
	for _, p := range []string{plain, packed} {
		unsigned[p], _ = os.ReadFile(p)
		kerneltest.Sign(t, p, 512)
	}
	signed, _ := os.ReadFile(plain)
	kerneltest.Compress(t, "xz", packed)
	mods := []kernel.LoadStep{{Name: "virtio_mmio", Path: "kernel/x/virtio_mmio.ko"}, {Name: "ip_vs", Path: "kernel/x/ip_vs.ko.xz"}}
	for _, strip := range []bool{true, false} {
		f, err := os.Create(filepath.Join(t.TempDir(), "initramfs"))
		if err != nil {
			t.Fatal(err)
		}
		if err := writeInitramfs(context.Background(), f, plain, &proto.Job{Tree: tree}, &kernel.ModIndex{}, tree, mods, strip); err != nil {
			t.Fatal(err)
		}
		f.Close()
		data, _ := os.ReadFile(f.Name())
		entries, err := parseCpio(data)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, e := range entries {
			got[e.name] = e.data
		}
		if want := unsigned[plain]; !strip {
			if got["lvslab/ko/virtio_mmio.ko"] != string(signed) {
				t.Errorf("a kernel that enforces signatures: virtio_mmio.ko holds %d bytes, want the %d of the signed module", len(got["lvslab/ko/virtio_mmio.ko"]), len(signed))
			}
		} else if got["lvslab/ko/virtio_mmio.ko"] != string(want) {
			t.Errorf("virtio_mmio.ko holds %d bytes, want the %d of the module without its signature", len(got["lvslab/ko/virtio_mmio.ko"]), len(want))
		}
		if strip && got["lvslab/ko/ip_vs.ko"] != string(unsigned[packed]) {
			t.Errorf("ip_vs.ko (from .ko.xz) holds %d bytes, want the %d of the module unpacked without its signature", len(got["lvslab/ko/ip_vs.ko"]), len(unsigned[packed]))
		}
	}
}
