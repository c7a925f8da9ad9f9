package userland

import (
	"archive/tar"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/debian"
	"github.com/lvslab/lvslab/debian/debiantest"
	"github.com/lvslab/lvslab/internal/erofsimage"
)

// A userland built from a local mirror: the packages listed and what they depend on, in one merged-/usr
// tree with the files maintainer scripts would have made; asked again, the cache answers with no mirror.
func TestEnsureBuildsOnceFromTheArchive(t *testing.T) {
	m := debiantest.NewMirror(t)
	deb := func(name, depends string, entries ...debiantest.Entry) {
		m.Add(t, "debian", "bookworm", debiantest.Deb{Name: name, Version: "1.0-1", Arch: "amd64", Depends: depends,
			Body: debiantest.DebFile(t, "gz", entries)})
	}
	deb("ipvsadm", "libc6", debiantest.Entry{Name: "./sbin/ipvsadm", Body: "ipvsadm", Type: tar.TypeReg, Mode: 0o755})
	deb("libc6", "", debiantest.Entry{Name: "./lib/x86_64-linux-gnu/libc.so.6", Body: "libc", Type: tar.TypeReg})
	deb("gawk", "libc6", debiantest.Entry{Name: "./usr/bin/gawk", Body: "gawk", Type: tar.TypeReg})
	m.Publish(t)
	old := Packages
	Packages = []string{"ipvsadm", "gawk"}
	t.Cleanup(func() { Packages = old })

	cache := t.TempDir()
	img, err := Ensure(context.Background(), Options{Cache: cache, Mirror: m.Serve(t), Keys: m.Keys})
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{"usr/sbin/ipvsadm": "ipvsadm", "usr/lib/x86_64-linux-gnu/libc.so.6": "libc",
		"sbin/ipvsadm": "ipvsadm", "usr/bin/awk": "gawk", "etc/passwd": "tcpdump:x:101"} {
		if data, err := os.ReadFile(filepath.Join(img.Root, path)); err != nil || !strings.Contains(string(data), want) {
			t.Errorf("%s: %q, %v; want %q", path, data, err, want)
		}
	}
	if got := strings.Join(img.Packages, ", "); got != "gawk 1.0-1, ipvsadm 1.0-1, libc6 1.0-1" {
		t.Errorf("packages %s", got)
	}
	if st, err := os.Stat(filepath.Join(img.Root, "tmp")); err != nil || st.Mode()&os.ModeSticky == 0 {
		t.Errorf("/tmp: %v, %v; want it sticky", st.Mode(), err)
	}
	checkDisk(t, img.Disk)
	if entries, _ := os.ReadDir(filepath.Dir(img.Disk)); len(entries) != 3 { // manifest, root, root.erofs
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("the image's folder holds %v; want its manifest, tree and disk alone", names)
	}
	again, err := Ensure(context.Background(), Options{Cache: cache, Mirror: "http://127.0.0.1:1/debian"})
	if err != nil || again.Root != img.Root || again.Disk != img.Disk {
		t.Errorf("a warm cache: %+v, %v; want the same image without a mirror", again, err)
	}

	// Where the host cannot hold a Linux tree (Windows), the disk alone holds the userland.
	treeOnHost = false
	t.Cleanup(func() { treeOnHost = true })
	img, err = Ensure(context.Background(), Options{Cache: t.TempDir(), Mirror: m.Serve(t), Keys: m.Keys})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(img.Root); err == nil {
		t.Errorf("the tree %s was unpacked on a host that cannot hold it", img.Root)
	}
	checkDisk(t, img.Disk)
}

// checkDisk reads the userland's disk as the guest's kernel would mount it: the packages' files, the
// merged-/usr links, the alternatives' links and the system's files, with their modes.
func checkDisk(t *testing.T, disk string) {
	t.Helper()
	img, c, err := erofsimage.Open(disk)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for path, want := range map[string]string{"usr/sbin/ipvsadm": "ipvsadm", "usr/lib/x86_64-linux-gnu/libc.so.6": "libc", "etc/passwd": "tcpdump:x:101"} {
		if data, err := fs.ReadFile(img, path); err != nil || !strings.Contains(string(data), want) {
			t.Errorf("the disk's %s: %q, %v; want %q", path, data, err, want)
		}
	}
	for link, want := range map[string]string{"sbin": "usr/sbin", "usr/bin/awk": "gawk"} {
		if got, err := fs.ReadLink(img, link); err != nil || got != want {
			t.Errorf("the disk's %s: a link to %q (%v), want %q", link, got, err, want)
		}
	}
	// The reader gives the sticky bit as Unix's 01000 within the mode.
	if st, err := fs.Stat(img, "tmp"); err != nil || !st.IsDir() || st.Mode()&0o1000 == 0 || st.Mode().Perm() != 0o777 {
		t.Errorf("the disk's /tmp: %v, %v; want a sticky folder anyone may write", st.Mode(), err)
	}
	if st, err := fs.Stat(img, "usr/sbin/ipvsadm"); err != nil || st.Mode().Perm() != 0o755 {
		t.Errorf("the disk's ipvsadm: %v, %v; want mode 755", st.Mode(), err)
	}
}

func TestSource(t *testing.T) {
	t.Setenv(Env, "")
	for _, c := range []struct{ flag, env, want string }{{"", "", FromDebian}, {"debian", "", FromDebian}, {"", "debian", FromDebian}, {"host", "debian", FromHost}} {
		t.Setenv(Env, c.env)
		if got, err := Source(c.flag); err != nil || got != c.want {
			t.Errorf("flag %q, $%s %q: %s, %v; want %s", c.flag, Env, c.env, got, err, c.want)
		}
	}
	if _, err := Source("ubuntu"); err == nil || !strings.Contains(err.Error(), "expected host or debian") {
		t.Errorf("--userland ubuntu: %v", err)
	}
}

// Prune keeps the image the current list's link names, and removes one built for another list, its
// link, and a build that died.
func TestPruneKeepsTheCurrentImage(t *testing.T) {
	cache := t.TempDir()
	root := filepath.Join(cache, "userland")
	for _, d := range []string{"bookworm-amd64-old-1", "bookworm-amd64-" + listHash() + "-2", ".tmp-died"} {
		os.MkdirAll(filepath.Join(root, d), 0o755)
	}
	os.Symlink("bookworm-amd64-old-1", filepath.Join(root, "bookworm-amd64-old"))
	os.Symlink("bookworm-amd64-"+listHash()+"-2", filepath.Join(root, "bookworm-amd64-"+listHash()))
	removed, err := Prune(context.Background(), cache)
	if err != nil {
		t.Fatal(err)
	}
	for i := range removed {
		removed[i] = filepath.Base(removed[i])
	}
	if got := strings.Join(removed, " "); got != ".tmp-died bookworm-amd64-old bookworm-amd64-old-1" {
		t.Errorf("removed %s", got)
	}
	if imgs, _ := Images(cache); len(imgs) != 1 || len(imgs[0].Links) != 1 {
		t.Errorf("left %+v, want the current image", imgs)
	}
}

// $LVSLAB_DEBIAN_SUITE picks the userland's release as it picks the kernel's: a mirror that lacks it is
// asked for it, not for bookworm.
func TestEnsureFollowsTheSuiteVariable(t *testing.T) {
	m := debiantest.NewMirror(t)
	m.Add(t, "debian", "bookworm", debiantest.Deb{Name: "ipvsadm", Version: "1.0-1", Arch: "amd64", Body: debiantest.DebFile(t, "gz", nil)})
	m.Publish(t)
	t.Setenv(debian.SuiteEnv, "trixie")
	_, err := Ensure(context.Background(), Options{Cache: t.TempDir(), Mirror: m.Serve(t), Keys: m.Keys})
	if err == nil || !strings.Contains(err.Error(), "dists/trixie/InRelease") {
		t.Errorf("with $%s=trixie: %v, want trixie asked for", debian.SuiteEnv, err)
	}
}
