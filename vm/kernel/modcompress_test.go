package kernel

import (
	"github.com/lvslab/lvslab/vm/kernel/kerneltest"

	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ulikunitz/xz/lzma"
)

func TestModuleSuffix(t *testing.T) {
	for _, c := range []struct{ path, suffix, name string }{
		{"kernel/fs/9p/9p.ko", ".ko", "9p"},
		{"kernel/fs/9p/9p.ko.xz", ".ko.xz", "9p"},
		{"kernel/arch/x86/crypto/crc32c-intel.ko.zst", ".ko.zst", "crc32c_intel"},
		{"kernel/x/y.ko.gz", ".ko.gz", "y"},
		{"modules.order", "", ""},
		{"kernel/x/y.ko.bz2", "", ""},
	} {
		if got := ModuleSuffix(c.path); got != c.suffix {
			t.Errorf("ModuleSuffix(%q) = %q, want %q", c.path, got, c.suffix)
		}
		if c.suffix != "" {
			if got := moduleFileName(c.path); got != c.name {
				t.Errorf("moduleFileName(%q) = %q, want %q", c.path, got, c.name)
			}
		}
		if IsCompressed(c.path) != (c.suffix != "" && c.suffix != ".ko") {
			t.Errorf("IsCompressed(%q) = %v", c.path, IsCompressed(c.path))
		}
	}
}

func gzipFile(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	zw.Close()
	if err := os.WriteFile(path+".gz", buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(path)
}

// TestIndexCompressedTree indexes a tree of .ko.xz modules, more than there are CPUs to unpack them, with a
// .ko.gz and a plain .ko among them, as Debian's 6.12 kernel ships them, and plans a load across the three.
const manyModules = 130

func TestIndexCompressedTree(t *testing.T) {
	tree := filepath.Join(t.TempDir(), "lib/modules/6.12.0-test")
	dir := filepath.Join(tree, "kernel/x")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var xz []string
	for i := range manyModules + 3 {
		xz = append(xz, kerneltest.FakeModule(t, dir, fmt.Sprintf("m%03d", i), fmt.Sprintf("alias=fake-%d\x00depends=\x00", i)))
	}
	xz = append(xz, kerneltest.FakeModule(t, dir, "ip_vs_twos", "depends=ip_vs\x00alias=ip_vs_scheduler_twos\x00"))
	kerneltest.Compress(t, "xz", xz...)
	gzipFile(t, kerneltest.FakeModule(t, dir, "ip_vs", "depends=libcrc32c\x00softdep=pre: m007\x00"))
	kerneltest.FakeModule(t, dir, "libcrc32c", "depends=\x00")
	os.WriteFile(filepath.Join(tree, "modules.builtin"), nil, 0o644)

	start := time.Now()
	ix, err := buildIndex(context.Background(), tree)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("indexed %d modules in %v", len(ix.Modules), time.Since(start))
	if len(ix.Modules) != manyModules+6 {
		t.Errorf("indexed %d modules, want %d", len(ix.Modules), manyModules+6)
	}
	for i := range manyModules + 3 {
		name := fmt.Sprintf("m%03d", i)
		if mods, _ := ix.Lookup(fmt.Sprintf("fake-%d", i)); !slices.Equal(mods, []string{name}) {
			t.Fatalf("alias fake-%d resolves to %v, want %s: the batch's contents went to the wrong modules", i, mods, name)
		}
	}
	steps, err := ix.Plan([]string{"ip_vs_twos"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range steps {
		got = append(got, s.Name+":"+s.Path)
	}
	want := []string{"m007:kernel/x/m007.ko.xz", "libcrc32c:kernel/x/libcrc32c.ko", "ip_vs:kernel/x/ip_vs.ko.gz", "ip_vs_twos:kernel/x/ip_vs_twos.ko.xz"}
	if !slices.Equal(got, want) {
		t.Errorf("plan: got %v, want %v", got, want)
	}

	// A corrupt module makes the index fail, naming the file.
	bad := filepath.Join(dir, "zz_bad.ko.xz")
	os.WriteFile(bad, []byte("\xfd7zXZ\x00 not really"), 0o644)
	_, err = buildIndex(context.Background(), tree)
	if err == nil || !strings.Contains(err.Error(), "zz_bad.ko.xz") {
		t.Fatalf("a corrupt .ko.xz: got %v, want an error naming the file", err)
	}
	t.Log(err)
}

func TestReadModinfoZstd(t *testing.T) {
	dir := t.TempDir()
	p := kerneltest.FakeModule(t, dir, "veth", "alias=rtnl-link-veth\x00depends=\x00")
	kerneltest.Compress(t, "zstd", p)
	infos, err := readModinfos(context.Background(), []string{p + ".zst"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(infos[0].aliases, []string{"rtnl-link-veth"}) {
		t.Errorf("got %+v", infos[0])
	}
}

func TestConfigUnpacks(t *testing.T) {
	for _, c := range []struct {
		config map[string]string
		want   string
	}{
		{map[string]string{"CONFIG_MODULE_DECOMPRESS": "y", "CONFIG_MODULE_COMPRESS_XZ": "y"}, ".ko.xz"}, // Debian's 6.12
		{map[string]string{"CONFIG_MODULE_DECOMPRESS": "y", "CONFIG_MODULE_COMPRESS_ZSTD": "y"}, ".ko.zst"},
		{map[string]string{"CONFIG_MODULE_COMPRESS_XZ": "y"}, ""}, // compressed, but kmod must unpack them
		{nil, ""}, // Debian's 6.1, or no config
	} {
		if got := configUnpacks(c.config); got != c.want {
			t.Errorf("configUnpacks(%v) = %q, want %q", c.config, got, c.want)
		}
	}
}

// fakeKernel is what the payloads in testdata hold: made by the kernel's own tools (xz --x86 --check=crc32,
// bzip2 -9, lz4 -l -9). Its e8 (call) opcodes with a small offset are what the x86 BCJ filter rewrites.
func fakeKernel() []byte {
	return bytes.Repeat([]byte("\x7fELF fake kernel \xe8\x10\x20\x30\x00 call "), 1000)
}

// fakeBzImage is a bzImage around payload, with the unpacked size the kernel's build appends to it.
func fakeBzImage(t *testing.T, payload []byte, size int) string {
	t.Helper()
	payload = binary.LittleEndian.AppendUint32(bytes.Clone(payload), uint32(size))
	const setupSects = 1
	img := make([]byte, (setupSects+1)*512)
	img[0x1f1] = setupSects
	copy(img[0x202:], "HdrS")
	binary.LittleEndian.PutUint16(img[0x206:], 0x20f)
	binary.LittleEndian.PutUint32(img[0x248:], 16) // payload offset, from the protected-mode code
	binary.LittleEndian.PutUint32(img[0x24c:], uint32(len(payload)))
	img = append(append(img, make([]byte, 16)...), payload...)
	path := filepath.Join(t.TempDir(), "vmlinuz")
	if err := os.WriteFile(path, img, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestExtractVmlinux unpacks a bzImage with each compression the kernel's build offers but lzo, Debian's
// two among them: xz with the x86 BCJ filter (6.1) and zstd (6.12).
func TestExtractVmlinux(t *testing.T) {
	want := fakeKernel()
	fixture := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	var gz, lz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(want)
	zw.Close()
	lw, err := lzma.NewWriter(&lz)
	if err != nil {
		t.Fatal(err)
	}
	lw.Write(want)
	lw.Close()
	for method, payload := range map[string][]byte{
		"xz with BCJ": fixture("payload.x86.xz"),
		"zstd":        kerneltest.Zstd(t, want),
		"gzip":        gz.Bytes(),
		"bzip2":       fixture("payload.bz2"),
		"lz4 legacy":  fixture("payload.lz4"),
		"lzma":        lz.Bytes(),
	} {
		var out bytes.Buffer
		if err := ExtractVmlinux(context.Background(), fakeBzImage(t, payload, len(want)), &out); err != nil {
			t.Errorf("%s: %v", method, err)
		} else if !bytes.Equal(out.Bytes(), want) {
			t.Errorf("%s: unpacked %d bytes, want the %d of the fake kernel", method, out.Len(), len(want))
		}
	}
}

// TestExtractVmlinuxRefuses: a payload that unpacks to another size than its trailer says, one that
// declares more than a kernel can be, and one in a compression lvslab does not read, each stop with an error.
func TestExtractVmlinuxRefuses(t *testing.T) {
	want := fakeKernel()
	zst := kerneltest.Zstd(t, want)
	for _, c := range []struct {
		name    string
		payload []byte
		size    int
		err     string
	}{
		{"shorter than its trailer", zst, len(want) + 1, "its trailer says"},
		{"longer than its trailer", zst, len(want) - 1, "its trailer says"},
		{"declares 4 GiB", zst, 1<<32 - 1, "expected at most"},
		{"lzo", append([]byte("\x89LZO\x00"), zst...), len(want), "does not unpack"},
		{"corrupt xz", append([]byte("\xfd7zXZ\x00"), zst...), len(want), "unpacking its xz payload"},
	} {
		err := ExtractVmlinux(context.Background(), fakeBzImage(t, c.payload, c.size), io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: got %v, want an error saying %q", c.name, err, c.err)
		}
	}
}
