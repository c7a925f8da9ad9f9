package debian

import (
	"archive/tar"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/debian/debiantest"
)

// tree lists what lies under dir: each path with its kind and content or target.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case info.Mode()&os.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			out = append(out, rel+" -> "+target)
		case info.IsDir():
			out = append(out, rel+"/")
		default:
			body, _ := os.ReadFile(p)
			out = append(out, rel+": "+string(body))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

var kernelLike = []debiantest.Entry{
	{Name: "./", Type: tar.TypeDir},
	{Name: "./boot/", Type: tar.TypeDir},
	{Name: "./boot/vmlinuz-6.1.0-9-amd64", Body: "bzImage", Type: tar.TypeReg},
	{Name: "./usr/lib/modules/6.1.0-9-amd64/kernel/net/ip_vs.ko", Body: "module", Type: tar.TypeReg},
	{Name: "./lib/modules/6.1.0-9-amd64/build", Link: "/usr/src/linux-headers-6.1.0-9-amd64", Type: tar.TypeSymlink},
	{Name: "./usr/lib/modules/6.1.0-9-amd64/kernel/net/ip_vs_again.ko", Link: "./usr/lib/modules/6.1.0-9-amd64/kernel/net/ip_vs.ko", Type: tar.TypeLink},
}

// A package unpacks as dpkg-deb -x unpacks it: files, directories, symbolic and hard links, whatever
// compresses data.tar.
func TestUnpackDebAsDpkgDoes(t *testing.T) {
	for _, method := range []string{"gz", "zst"} {
		dir := t.TempDir()
		deb := filepath.Join(dir, "k.deb")
		os.WriteFile(deb, debiantest.DebFile(t, method, kernelLike), 0o644)
		got := filepath.Join(dir, "got")
		if err := Unpack(deb, got); err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		want := []string{"boot/", "boot/vmlinuz-6.1.0-9-amd64: bzImage", "lib/", "lib/modules/", "lib/modules/6.1.0-9-amd64/",
			"lib/modules/6.1.0-9-amd64/build -> /usr/src/linux-headers-6.1.0-9-amd64", "usr/", "usr/lib/", "usr/lib/modules/",
			"usr/lib/modules/6.1.0-9-amd64/", "usr/lib/modules/6.1.0-9-amd64/kernel/", "usr/lib/modules/6.1.0-9-amd64/kernel/net/",
			"usr/lib/modules/6.1.0-9-amd64/kernel/net/ip_vs.ko: module", "usr/lib/modules/6.1.0-9-amd64/kernel/net/ip_vs_again.ko: module"}
		if g := tree(t, got); strings.Join(g, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: unpacked\n%s\nwant\n%s", method, strings.Join(g, "\n"), strings.Join(want, "\n"))
		}
		if dpkg, err := exec.LookPath("dpkg-deb"); err == nil {
			ref := filepath.Join(dir, "dpkg")
			if out, err := exec.Command(dpkg, "-x", deb, ref).CombinedOutput(); err != nil {
				t.Fatalf("dpkg-deb -x: %v\n%s", err, out)
			}
			if g, w := tree(t, got), tree(t, ref); strings.Join(g, "\n") != strings.Join(w, "\n") {
				t.Errorf("%s: unpacked\n%s\ndpkg-deb -x unpacked\n%s", method, strings.Join(g, "\n"), strings.Join(w, "\n"))
			}
		}
	}
}

// A package is data from a mirror: no entry of it reaches outside the folder it unpacks into.
func TestUnpackDebKeepsEveryEntryInside(t *testing.T) {
	for _, c := range []struct {
		name    string
		entries []debiantest.Entry
		want    string
	}{
		{"a name with ..", []debiantest.Entry{{Name: "./../escaped", Body: "x", Type: tar.TypeReg}}, "expected a name inside the package"},
		{"an absolute name", []debiantest.Entry{{Name: "/escaped", Body: "x", Type: tar.TypeReg}}, "expected a name inside the package"},
		{"a file through its own symbolic link", []debiantest.Entry{
			{Name: "./lib", Link: "..", Type: tar.TypeSymlink},
			{Name: "./lib/escaped", Body: "x", Type: tar.TypeReg},
		}, "lies under the symbolic link lib"},
		{"a symbolic link replaced", []debiantest.Entry{
			{Name: "./lib", Link: "..", Type: tar.TypeSymlink},
			{Name: "./lib", Body: "x", Type: tar.TypeReg},
		}, "would replace the symbolic link"},
		{"a hard link to a file outside", []debiantest.Entry{{Name: "./passwd", Link: "../outside", Type: tar.TypeLink}}, "expected a name inside the package"},
		{"a hard link to a file it did not write", []debiantest.Entry{{Name: "./x", Link: "./y", Type: tar.TypeLink}}, "which the package has not written"},
		{"a device", []debiantest.Entry{{Name: "./null", Type: tar.TypeChar}}, "expected files, directories and links"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "outside"), []byte("secret"), 0o600)
			deb := filepath.Join(dir, "evil.deb")
			os.WriteFile(deb, debiantest.DebFile(t, "gz", c.entries), 0o644)
			err := Unpack(deb, filepath.Join(dir, "pkg", "x"))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error saying %q", err, c.want)
			}
			if left := tree(t, dir); strings.Contains(strings.Join(left, "\n"), "escaped") {
				t.Errorf("something was written outside: %v", left)
			}
		})
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.deb")
	os.WriteFile(bad, []byte("!<arch>\ncontrol.tar.gz  0           0     0     100644  1         `\nx\n"), 0o644)
	if err := Unpack(bad, filepath.Join(dir, "x")); err == nil || !strings.Contains(err.Error(), "expected debian-binary") {
		t.Errorf("an archive that does not start with debian-binary: got %v", err)
	}
	os.WriteFile(bad, []byte("PK\x03\x04"), 0o644)
	if err := Unpack(bad, filepath.Join(dir, "x")); err == nil || !strings.Contains(err.Error(), "not a Debian package") {
		t.Errorf("a zip file: got %v", err)
	}
}

// Packages unpacked into one merged-/usr tree: what they ship in /bin and /lib lands in /usr's, the
// top-level folders are links into /usr, a link one package made binds the next, and a file two ship is
// the later one's.
func TestUnpackerMergesPackagesIntoOneUsrMergedTree(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, entries []debiantest.Entry) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, debiantest.DebFile(t, "gz", entries), 0o644)
		return p
	}
	dash := write("dash.deb", []debiantest.Entry{
		{Name: "./bin", Link: "usr/bin", Type: tar.TypeSymlink}, // as trixie's base-files ships them
		{Name: "./bin/", Type: tar.TypeDir},
		{Name: "./bin/dash", Body: "dash", Type: tar.TypeReg},
		{Name: "./bin/sh", Link: "dash", Type: tar.TypeSymlink},
		{Name: "./usr/share/doc/common", Body: "one", Type: tar.TypeReg},
		{Name: "./usr/lib/escape", Link: "/", Type: tar.TypeSymlink},
	})
	libc := write("libc.deb", []debiantest.Entry{
		{Name: "./lib/x86_64-linux-gnu/libc.so.6", Body: "libc", Type: tar.TypeReg},
		{Name: "./usr/share/doc/common", Body: "two", Type: tar.TypeReg},
	})
	evil := write("evil.deb", []debiantest.Entry{{Name: "./usr/lib/escape/etc/passwd", Body: "x", Type: tar.TypeReg}})
	root := filepath.Join(dir, "root")
	u := &Unpacker{Into: []Tree{DirTree(root)}, MergedUsr: true}
	for _, p := range []string{dash, libc} {
		if err := u.Unpack(p); err != nil {
			t.Fatal(err)
		}
	}
	got := strings.Join(tree(t, root), "\n")
	for _, want := range []string{"bin -> usr/bin", "lib -> usr/lib", "usr/bin/dash: dash", "usr/bin/sh -> dash",
		"usr/lib/x86_64-linux-gnu/libc.so.6: libc", "usr/share/doc/common: two"} {
		if !strings.Contains(got, want+"\n") && !strings.HasSuffix(got, want) {
			t.Errorf("the tree holds no %q:\n%s", want, got)
		}
	}
	if err := u.Unpack(evil); err == nil || !strings.Contains(err.Error(), "lies under the symbolic link usr/lib/escape") {
		t.Errorf("a package writing through another's link: %v", err)
	}
}
