package debian

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
)

// Archive fetches Debian's signed indexes and packages from a mirror into a cache, each file checked
// against the signed index that names it: InRelease by Debian's keys, Packages by InRelease's SHA256, a
// .deb by the Packages entry's SHA256 and size.
type Archive struct {
	Mirror  Mirror
	Suite   string             // the release: bookworm or trixie
	Arch    string             // Debian's architecture name: amd64 or arm64
	Cache   string             // the folder verified files are kept in
	Keys    openpgp.EntityList // the keys InRelease must be signed with; default ArchiveKeys()
	Now     func() time.Time   // the clock Valid-Until is read against; default time.Now
	Notices io.Writer          // one-line notices; nil drops them
}

// CacheIn is the folder of lvslab's cache where an Archive keeps what it fetched: <cache>/debian.
func CacheIn(cache string) string { return filepath.Join(cache, "debian") }

// Suites lvslab knows how to boot.
var Suites = []string{"bookworm", "trixie"}

// SuiteEnv names the environment variable that picks the release kernels and the guest's programs come
// from, for every command that boots a microVM, when no flag does.
const SuiteEnv = "LVSLAB_DEBIAN_SUITE"

// DefaultSuite is the release lvslab boots when nothing names one.
const DefaultSuite = "bookworm"

// SuiteFromEnv is $LVSLAB_DEBIAN_SUITE, else DefaultSuite.
func SuiteFromEnv() string {
	if s := os.Getenv(SuiteEnv); s != "" {
		return s
	}
	return DefaultSuite
}

// Arches lvslab knows how to boot.
var Arches = []string{"amd64", "arm64"}

// suiteRoot is one suite of one archive, and whether the release needs it.
type suiteRoot struct {
	root, suite string
	required    bool
}

func (a *Archive) suites() []suiteRoot {
	s := []suiteRoot{{a.Mirror.URL, a.Suite, true}, {a.Mirror.URL, a.Suite + "-updates", false}}
	if a.Mirror.Security != "" {
		s = append(s, suiteRoot{a.Mirror.Security, a.Suite + "-security", false})
	}
	return s
}

func (a *Archive) check() error {
	if !slices.Contains(Suites, a.Suite) {
		return fmt.Errorf("suite %q: expected one of Debian's %s", a.Suite, strings.Join(Suites, ", "))
	}
	if !slices.Contains(Arches, a.Arch) {
		return fmt.Errorf("architecture %q: expected one of %s", a.Arch, strings.Join(Arches, ", "))
	}
	if a.Cache == "" {
		return errors.New("no cache folder for the Debian archive")
	}
	return nil
}

// Index fetches and verifies the suite's Packages indexes (the release, its -updates and -security) for
// the architecture, and reads them.
func (a *Archive) Index(ctx context.Context) (*Index, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	ix := &Index{}
	if a.Mirror.Security == "" {
		a.notice("no security archive known for %s (none in apt's sources, or a --mirror whose path does not end in /debian): security updates are left out", a.Mirror.URL)
	}
	for _, s := range a.suites() {
		rel, data, err := a.release(ctx, s.root, s.suite)
		if errors.Is(err, errNotFound) && !s.required {
			a.notice("%s has no %s: its updates are left out", s.root, s.suite)
			continue
		}
		if err != nil {
			return nil, err
		}
		ix.Sources = append(ix.Sources, Source{Root: s.root, Path: "dists/" + s.suite + "/InRelease", Data: data})
		if err := a.addPackages(ctx, ix, rel, s); err != nil {
			return nil, err
		}
	}
	return ix, nil
}

// release fetches and verifies a suite's InRelease, and returns it read and as it came.
func (a *Archive) release(ctx context.Context, root, suite string) (*Release, []byte, error) {
	url := root + "/dists/" + suite + "/InRelease"
	data, err := getSmall(ctx, url, maxInRelease)
	if err != nil {
		return nil, nil, err
	}
	keys := a.Keys
	if keys == nil {
		if keys, err = ArchiveKeys(); err != nil {
			return nil, nil, err
		}
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	rel, err := ParseInRelease(data, keys, suite, now())
	if err == nil {
		err = a.notOlder(suite, rel.Date)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: refused: %w", url, err)
	}
	return rel, data, nil
}

// notOlder refuses a release older than the newest of that suite this cache has seen, from any mirror: a
// mirror that has fallen behind, or one replaying an old release (with old, validly signed packages),
// would otherwise take lvslab back. It records date when it is the newest.
func (a *Archive) notOlder(suite string, date time.Time) error {
	if date.IsZero() {
		return nil
	}
	path := filepath.Join(a.Cache, "releases", suite)
	if data, err := os.ReadFile(path); err == nil && len(data) < 64 {
		seen, err := time.Parse(time.RFC3339, strings.TrimSpace(string(data)))
		if err == nil && date.Before(seen) {
			return fmt.Errorf("made %s, older than the release of %s already seen (%s): the mirror is behind, or replays an old release; try another, or delete %s to accept it",
				date.UTC().Format(time.RFC3339), suite, seen.UTC().Format(time.RFC3339), path)
		}
		if err == nil && !date.After(seen) {
			return nil
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(date.UTC().Format(time.RFC3339)+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// addPackages fetches the Packages index the release lists for the architecture, checked against it.
func (a *Archive) addPackages(ctx context.Context, ix *Index, rel *Release, s suiteRoot) error {
	for _, ext := range []string{".xz", ".gz"} {
		path := "main/binary-" + a.Arch + "/Packages" + ext
		want, ok := rel.File(path)
		if !ok {
			continue
		}
		url := s.root + "/dists/" + s.suite + "/" + path
		file := filepath.Join(a.Cache, "indexes", want.SHA256+".Packages"+ext)
		signedBy := "dists/" + s.suite + "/InRelease"
		var err error
		if rel.ByHash { // what the release names, even while the mirror syncs its next one
			byHash := s.root + "/dists/" + s.suite + "/main/binary-" + a.Arch + "/by-hash/SHA256/" + want.SHA256
			if err = fetchVerified(ctx, byHash, want, file, signedBy); errors.Is(err, errNotFound) {
				err = fetchVerified(ctx, url, want, file, signedBy)
			}
		} else {
			err = fetchVerified(ctx, url, want, file, signedBy)
		}
		if err != nil {
			return err
		}
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		var r io.Reader
		if ext == ".xz" {
			r, err = XZStream(f)
		} else {
			r, err = GzipStream(f)
		}
		if err == nil {
			err = ix.AddPackages(r, s.root, "dists/"+s.suite+"/"+path)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", url, err)
		}
		ix.Sources = append(ix.Sources, Source{Root: s.root, Path: "dists/" + s.suite + "/" + path, File: file})
		return nil
	}
	return fmt.Errorf("%s/dists/%s/InRelease lists no main/binary-%s/Packages.xz or .gz: expected the archive to carry %s for %s", s.root, s.suite, a.Arch, s.suite, a.Arch)
}

// Deb is the package's .deb in the cache, fetched and checked against its index entry first if need be.
// Its name holds the package, version, architecture and SHA256.
func (a *Archive) Deb(ctx context.Context, p *Package) (string, error) {
	file := filepath.Join(a.Cache, "debs", DebName(p))
	want := FileDigest{SHA256: p.SHA256, Size: p.Size}
	if holds(file, want) {
		return file, nil
	}
	a.notice("fetching %s %s (%.1f MB) from %s", p.Name, p.Version, float64(p.Size)/1e6, p.Archive)
	err := fetchVerified(ctx, p.Archive+"/"+p.Filename, want, file, p.Index)
	return file, err
}

// DebName is the name a package's .deb has in the cache: <name>_<version>_<arch>.<sha256>.deb, with the
// version's ":" written %3a as apt does.
func DebName(p *Package) string {
	return p.Name + "_" + FileVersion(p.Version) + "_" + p.Architecture + "." + p.SHA256 + ".deb"
}

// FileVersion is a version as file names hold it: its epoch's ":" written %3a, as apt writes it.
func FileVersion(v string) string { return strings.ReplaceAll(v, ":", "%3a") }

// VersionOfFile is the version a file name holds (FileVersion undone).
func VersionOfFile(v string) string { return strings.ReplaceAll(v, "%3a", ":") }

func (a *Archive) notice(format string, args ...any) {
	if a.Notices != nil {
		fmt.Fprintf(a.Notices, "lvslab: "+format+"\n", args...)
	}
}
