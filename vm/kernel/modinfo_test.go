package kernel

import (
	"github.com/lvslab/lvslab/vm/kernel/kerneltest"

	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestReadModinfo(t *testing.T) {
	p := kerneltest.FakeModule(t, t.TempDir(), "libcrc32c",
		"license=GPL\x00softdep=pre: crc32c\x00depends=a,b-c\x00alias=crypto-x\x00name=libcrc32c\x00vermagic=6.1.0 SMP\x00")
	mi, err := readModinfo(p)
	if err != nil {
		t.Fatal(err)
	}
	if mi.name != "libcrc32c" || !slices.Equal(mi.depends, []string{"a", "b-c"}) || !slices.Equal(mi.pre, []string{"crc32c"}) ||
		mi.post != nil || !slices.Equal(mi.aliases, []string{"crypto-x"}) {
		t.Errorf("got %+v", mi)
	}
	if _, err := readModinfo(filepath.Join(t.TempDir(), "missing.ko")); err == nil {
		t.Error("a missing module: got no error")
	}
}

func TestParseSoftdep(t *testing.T) {
	pre, post := parseSoftdep("pre: a b post: c")
	if !slices.Equal(pre, []string{"a", "b"}) || !slices.Equal(post, []string{"c"}) {
		t.Errorf("got pre %v post %v", pre, post)
	}
	pre, post = parseSoftdep("post: x")
	if pre != nil || !slices.Equal(post, []string{"x"}) {
		t.Errorf("got pre %v post %v", pre, post)
	}
}

// TestIndexFakeTree builds an index over fake modules and plans a load with hard and soft dependencies,
// an alias that two modules answer to, a builtin dependency and a glob alias.
func TestIndexFakeTree(t *testing.T) {
	tree := filepath.Join(t.TempDir(), "lib/modules/6.1.0-test")
	dir := filepath.Join(tree, "kernel/x")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	kerneltest.FakeModule(t, dir, "ip_vs", "depends=nf_conntrack,libcrc32c\x00alias=net-pf-16-proto-16-family-IPVS\x00")
	kerneltest.FakeModule(t, dir, "nf_conntrack", "depends=\x00")
	kerneltest.FakeModule(t, dir, "libcrc32c", "depends=\x00softdep=pre: crc32c\x00")
	kerneltest.FakeModule(t, dir, "crc32c_generic", "alias=crc32c\x00alias=crypto-crc32c\x00")
	kerneltest.FakeModule(t, dir, "crc32c-intel", "alias=crc32c\x00alias=cpu:type:x86,ven*\x00")
	kerneltest.FakeModule(t, dir, "loop", "depends=builtin_dep\x00alias=block-major-7-*\x00")
	os.WriteFile(filepath.Join(tree, "modules.builtin"), []byte("kernel/y/builtin_dep.ko\n"), 0o644)
	os.WriteFile(filepath.Join(tree, "modules.builtin.modinfo"), []byte("builtin_dep.alias=fs-builtin\x00"), 0o644)

	if err := writeIndex(context.Background(), tree); err != nil {
		t.Fatal(err)
	}
	ix, err := LoadIndex(context.Background(), tree)
	if err != nil {
		t.Fatal(err)
	}
	steps, err := ix.Plan([]string{"net-pf-16-proto-16-family-IPVS", "block-major-7-0", "fs-builtin"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range steps {
		n := s.Name
		if s.Optional {
			n += "?"
		}
		got = append(got, n)
	}
	want := []string{"nf_conntrack", "crc32c_generic?", "crc32c_intel?", "libcrc32c", "ip_vs", "loop"}
	if !slices.Equal(got, want) {
		t.Errorf("plan: got %v, want %v", got, want)
	}
	if steps[1].Path != "kernel/x/crc32c_generic.ko" {
		t.Errorf("path of crc32c_generic: %s", steps[1].Path)
	}
	if _, err := ix.Plan([]string{"no_such_module"}); err == nil {
		t.Error("planning a missing module: got no error")
	}
	if mods, _ := ix.Lookup("cpu:type:x86,ven0000"); mods != nil {
		t.Errorf("bus aliases are for udev, yet the index resolves one to %v", mods)
	}
}

// TestIndexRealKernel plans ip_vs against the cached Debian kernel: the DESIGN's pitfall is that
// libcrc32c needs crc32c_generic, which only a softdep names.
func TestIndexRealKernel(t *testing.T) {
	k, err := Cached("", DefaultPackageFor(DefaultArch))
	if err != nil {
		t.Fatal(err)
	}
	if k == nil {
		t.Skipf("no kernel of %s in the cache (any VM test fetches one)", DefaultPackageFor(DefaultArch))
	}
	ix, err := LoadIndex(context.Background(), k.Modules)
	if err != nil {
		t.Fatal(err)
	}
	steps, err := ix.Plan([]string{"ip_vs_wrr", "rtnl-link-veth", "9p"})
	if err != nil {
		t.Fatal(err)
	}
	at := map[string]int{}
	for i, s := range steps {
		at[s.Name] = i + 1
	}
	for _, before := range [][2]string{{"crc32c_generic", "libcrc32c"}, {"libcrc32c", "ip_vs"}, {"nf_conntrack", "ip_vs"},
		{"ip_vs", "ip_vs_wrr"}, {"9pnet", "9p"}, {"netfs", "9p"}} {
		if at[before[0]] == 0 || at[before[1]] == 0 || at[before[0]] > at[before[1]] {
			t.Errorf("%s must load before %s; plan %v", before[0], before[1], steps)
		}
	}
	if at["veth"] == 0 {
		t.Errorf("the alias rtnl-link-veth did not resolve to veth: %v", steps)
	}
}
