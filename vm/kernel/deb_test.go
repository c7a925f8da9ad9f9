package kernel

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/vm/kernel/kerneltest"
)

// debEntry is one entry of a test package's data.tar.
type debEntry struct {
	name, body, link string
	typ              byte
}

// writeDeb writes a .deb at path: debian-binary, control.tar.gz and data.tar compressed as method (gz, zst).
func writeDeb(t *testing.T, path, method string, entries []debEntry) {
	t.Helper()
	var tarBuf bytes.Buffer
	tw := tar.NewWriter(&tarBuf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Linkname: e.link, Mode: 0o644, Size: int64(len(e.body))}
		if e.typ == tar.TypeDir {
			h.Mode = 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(e.body))
	}
	tw.Close()
	data := tarBuf.Bytes()
	switch method {
	case "gz":
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(data)
		zw.Close()
		data = z.Bytes()
	case "zst":
		data = kerneltest.Zstd(t, data)
	}
	var ar bytes.Buffer
	ar.WriteString("!<arch>\n")
	member := func(name string, body []byte) {
		fmt.Fprintf(&ar, "%-16s%-12d%-6d%-6d%-8s%-10d`\n", name, 0, 0, 0, "100644", len(body))
		ar.Write(body)
		if len(body)%2 == 1 {
			ar.WriteByte('\n')
		}
	}
	member("debian-binary", []byte("2.0\n"))
	member("control.tar.gz", []byte("x")) // odd-sized: the padding must be skipped
	member("data.tar."+method, data)
	if err := os.WriteFile(path, ar.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

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

var kernelLike = []debEntry{
	{name: "./", typ: tar.TypeDir},
	{name: "./boot/", typ: tar.TypeDir},
	{name: "./boot/vmlinuz-6.1.0-9-amd64", body: "bzImage", typ: tar.TypeReg},
	{name: "./usr/lib/modules/6.1.0-9-amd64/kernel/net/ip_vs.ko", body: "module", typ: tar.TypeReg},
	{name: "./lib/modules/6.1.0-9-amd64/build", link: "/usr/src/linux-headers-6.1.0-9-amd64", typ: tar.TypeSymlink},
	{name: "./usr/lib/modules/6.1.0-9-amd64/kernel/net/ip_vs_again.ko", link: "./usr/lib/modules/6.1.0-9-amd64/kernel/net/ip_vs.ko", typ: tar.TypeLink},
}

// A package unpacks as dpkg-deb -x unpacks it: files, directories, symbolic and hard links, whatever
// compresses data.tar.
func TestUnpackDebAsDpkgDoes(t *testing.T) {
	for _, method := range []string{"gz", "zst"} {
		dir := t.TempDir()
		deb := filepath.Join(dir, "k.deb")
		writeDeb(t, deb, method, kernelLike)
		got := filepath.Join(dir, "got")
		if err := unpackDeb(deb, got); err != nil {
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
		entries []debEntry
		want    string
	}{
		{"a name with ..", []debEntry{{name: "./../escaped", body: "x", typ: tar.TypeReg}}, "expected a name inside the package"},
		{"an absolute name", []debEntry{{name: "/escaped", body: "x", typ: tar.TypeReg}}, "expected a name inside the package"},
		{"a file through its own symbolic link", []debEntry{
			{name: "./lib", link: "..", typ: tar.TypeSymlink},
			{name: "./lib/escaped", body: "x", typ: tar.TypeReg},
		}, "lies under the symbolic link lib"},
		{"a symbolic link replaced", []debEntry{
			{name: "./lib", link: "..", typ: tar.TypeSymlink},
			{name: "./lib", body: "x", typ: tar.TypeReg},
		}, "would replace the symbolic link"},
		{"a hard link to a file outside", []debEntry{{name: "./passwd", link: "../outside", typ: tar.TypeLink}}, "expected a name inside the package"},
		{"a hard link to a file it did not write", []debEntry{{name: "./x", link: "./y", typ: tar.TypeLink}}, "which the package has not written"},
		{"a device", []debEntry{{name: "./null", typ: tar.TypeChar}}, "expected files, directories and links"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "outside"), []byte("secret"), 0o600)
			deb := filepath.Join(dir, "evil.deb")
			writeDeb(t, deb, "gz", c.entries)
			err := unpackDeb(deb, filepath.Join(dir, "pkg", "x"))
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
	if err := unpackDeb(bad, filepath.Join(dir, "x")); err == nil || !strings.Contains(err.Error(), "expected debian-binary") {
		t.Errorf("an archive that does not start with debian-binary: got %v", err)
	}
	os.WriteFile(bad, []byte("PK\x03\x04"), 0o644)
	if err := unpackDeb(bad, filepath.Join(dir, "x")); err == nil || !strings.Contains(err.Error(), "not a Debian package") {
		t.Errorf("a zip file: got %v", err)
	}
}
