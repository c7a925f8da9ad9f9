package debian

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lvslab/lvslab/debian/debiantest"
)

// testArchive publishes ipvsadm in bookworm and a newer one in bookworm-security, and an Archive that
// fetches from it into a fresh cache.
func testArchive(t *testing.T) (*debiantest.Mirror, *Archive) {
	t.Helper()
	m := debiantest.NewMirror(t)
	m.Add(t, "debian", "bookworm", debiantest.Deb{Name: "ipvsadm", Version: "1:1.31-1", Arch: "amd64", Depends: "libc6 (>= 2.14)", Body: []byte("old ipvsadm")})
	m.Add(t, "debian", "bookworm", debiantest.Deb{Name: "libc6", Version: "2.36-9", Arch: "amd64", Body: []byte("libc")})
	m.Add(t, "debian-security", "bookworm-security", debiantest.Deb{Name: "ipvsadm", Version: "1:1.31-1+deb12u1", Arch: "amd64", Body: []byte("patched ipvsadm")})
	m.Publish(t)
	return m, &Archive{Mirror: Mirror{URL: m.Serve(t), Security: ""}, Suite: "bookworm", Arch: "amd64",
		Cache: t.TempDir(), Keys: m.Keys}
}

func fetchIpvsadm(t *testing.T, a *Archive) (string, error) {
	t.Helper()
	ix, err := a.Index(context.Background())
	if err != nil {
		return "", err
	}
	p := ix.Newest("ipvsadm", "amd64")
	if p == nil {
		t.Fatalf("ipvsadm is not in the index of %d packages", ix.Len())
	}
	return a.Deb(context.Background(), p)
}

func TestArchiveFetchesTheNewestVersionAcrossSuites(t *testing.T) {
	_, a := testArchive(t)
	a.Mirror.Security = strings.TrimSuffix(a.Mirror.URL, "/debian") + "/debian-security"
	path, err := fetchIpvsadm(t, a)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if string(data) != "patched ipvsadm" || !strings.Contains(filepath.Base(path), "ipvsadm_1%3a1.31-1+deb12u1_amd64.") {
		t.Errorf("fetched %s holding %q, want the security update 1:1.31-1+deb12u1", path, data)
	}
}

func TestArchiveWithoutSecurityStillFetches(t *testing.T) {
	_, a := testArchive(t)
	var notes bytes.Buffer
	a.Mirror.Security, a.Notices = a.Mirror.URL+"-none", &notes
	path, err := fetchIpvsadm(t, a)
	if err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != "old ipvsadm" {
		t.Errorf("fetched %q, want the release's ipvsadm", data)
	}
	if !strings.Contains(notes.String(), "-none has no bookworm-security: its updates are left out") {
		t.Errorf("no notice that security updates were left out; notices:\n%s", notes.String())
	}
}

// Each tampered file is refused with an error that names it and what was expected, and nothing of it is
// kept in the cache.
func TestArchiveRefusesTamperedFiles(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(t *testing.T, m *debiantest.Mirror)
		want   []string
	}{
		{"InRelease edited", func(t *testing.T, m *debiantest.Mirror) {
			edit(t, m.Path("debian", "dists/bookworm/InRelease"), "Suite: bookworm", "Suite: bookwork")
		}, []string{"dists/bookworm/InRelease: refused", "signature"}},
		{"InRelease signed by another key", func(t *testing.T, m *debiantest.Mirror) {
			other := debiantest.NewMirror(t)
			data, _ := os.ReadFile(m.Path("debian", "dists/bookworm/InRelease"))
			block := string(data[strings.Index(string(data), "\n\n")+2 : strings.Index(string(data), "\n-----BEGIN PGP SIGNATURE")])
			os.WriteFile(m.Path("debian", "dists/bookworm/InRelease"), other.Sign(t, block+"\n"), 0o644)
		}, []string{"dists/bookworm/InRelease: refused", "expected a signature by one of Debian's archive keys, found none"}},
		{"InRelease of another suite", func(t *testing.T, m *debiantest.Mirror) {
			data, _ := os.ReadFile(m.Path("debian-security", "dists/bookworm-security/InRelease"))
			os.WriteFile(m.Path("debian", "dists/bookworm/InRelease"), data, 0o644)
		}, []string{"dists/bookworm/InRelease: refused", "expected the release of bookworm", `Suite "bookworm-security"`}},
		{"Packages.xz replaced", func(t *testing.T, m *debiantest.Mirror) {
			os.WriteFile(m.Path("debian", "dists/bookworm/main/binary-amd64/Packages.xz"), []byte("Package: evil\n"), 0o644)
		}, []string{"dists/bookworm/main/binary-amd64/Packages.xz: refused", "(dists/bookworm/InRelease) says SHA256 ", "served SHA256 "}},
		{".deb replaced", func(t *testing.T, m *debiantest.Mirror) {
			os.WriteFile(m.Path("debian", "pool/main/i/ipvsadm/ipvsadm_1:1.31-1_amd64.deb"), []byte("evil ipvsad"), 0o644)
		}, []string{"ipvsadm_1:1.31-1_amd64.deb: refused", "(dists/bookworm/main/binary-amd64/Packages.xz) says SHA256 ", "served SHA256 "}},
		{".deb grown", func(t *testing.T, m *debiantest.Mirror) {
			os.WriteFile(m.Path("debian", "pool/main/i/ipvsadm/ipvsadm_1:1.31-1_amd64.deb"), []byte("old ipvsadm and more"), 0o644)
		}, []string{"ipvsadm_1:1.31-1_amd64.deb: refused", "11 bytes; the mirror served 20 bytes"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, a := testArchive(t)
			c.tamper(t, m)
			_, err := fetchIpvsadm(t, a)
			if err == nil {
				t.Fatal("fetched from a tampered mirror without an error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nsays nothing of %q", err, w)
				}
			}
			kept := 0
			filepath.Walk(a.Cache, func(path string, info os.FileInfo, err error) error {
				if err == nil && !info.IsDir() && strings.Contains(path, "ipvsadm") {
					kept++
				}
				return nil
			})
			if kept != 0 {
				t.Errorf("the cache kept %d ipvsadm files from a tampered mirror", kept)
			}
		})
	}
}

func TestArchiveRefusesAStaleRelease(t *testing.T) {
	m := debiantest.NewMirror(t)
	m.ValidUntil = time.Now().Add(-time.Hour)
	m.Add(t, "debian", "bookworm", debiantest.Deb{Name: "ipvsadm", Version: "1.31-1", Arch: "amd64", Body: []byte("x")})
	m.Publish(t)
	a := &Archive{Mirror: Mirror{URL: m.Serve(t)}, Suite: "bookworm", Arch: "amd64", Cache: t.TempDir(), Keys: m.Keys}
	_, err := a.Index(context.Background())
	if err == nil || !strings.Contains(err.Error(), "(Valid-Until); the mirror is stale") {
		t.Errorf("a release past its Valid-Until: got %v, want it refused as stale", err)
	}
}

// A release older than one this cache has seen is refused: a mirror behind, or one replaying an old
// release with its old, validly signed packages.
func TestArchiveRefusesAnOlderRelease(t *testing.T) {
	_, a := testArchive(t)
	if _, err := a.Index(context.Background()); err != nil {
		t.Fatal(err)
	}
	seen := filepath.Join(a.Cache, "releases", "bookworm")
	os.WriteFile(seen, []byte(time.Now().Add(time.Hour).UTC().Format(time.RFC3339)+"\n"), 0o644)
	_, err := a.Index(context.Background())
	if err == nil || !strings.Contains(err.Error(), "older than the release of bookworm already seen") || !strings.Contains(err.Error(), seen) {
		t.Errorf("an older release: %v, want it refused, naming the record to delete", err)
	}
}

// Where the release says Acquire-By-Hash, the index is fetched by its digest: the file by its path may
// already be the next release's while the mirror syncs.
func TestArchiveFetchesIndexesByHash(t *testing.T) {
	m := debiantest.NewMirror(t)
	m.ByHash = true
	m.Add(t, "debian", "bookworm", debiantest.Deb{Name: "ipvsadm", Version: "1.31-1", Arch: "amd64", Body: []byte("ipvsadm")})
	m.Publish(t)
	os.WriteFile(m.Path("debian", "dists/bookworm/main/binary-amd64/Packages.xz"), []byte("the next release's"), 0o644)
	a := &Archive{Mirror: Mirror{URL: m.Serve(t)}, Suite: "bookworm", Arch: "amd64", Cache: t.TempDir(), Keys: m.Keys}
	if _, err := fetchIpvsadm(t, a); err != nil {
		t.Errorf("fetching by hash: %v", err)
	}
}

func edit(t *testing.T, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil || !bytes.Contains(data, []byte(old)) {
		t.Fatalf("%s holds no %q (%v)", path, old, err)
	}
	os.WriteFile(path, bytes.Replace(data, []byte(old), []byte(new), 1), 0o644)
}
