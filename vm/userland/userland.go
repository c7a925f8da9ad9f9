// Package userland is the guest's programs: Debian's packages that the labs and the course use, with
// what they depend on, resolved in and fetched from Debian's archive, unpacked once into a merged-/usr
// tree in the cache and an EROFS image of it, which the microVM mounts from a read-only disk instead of the
// host's root.
package userland

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/lvslab/lvslab/debian"
	"github.com/lvslab/lvslab/internal/erofsimage"
	"github.com/lvslab/lvslab/internal/lockfile"
	"github.com/lvslab/lvslab/internal/symlink"
)

// Packages are what the labs, the course and their scripts run: ipvsadm, ab, curl, ip, ping, tcpdump,
// a shell and the usual tools; each brings what it depends on.
var Packages = []string{
	"ipvsadm", "apache2-utils", "curl", "iproute2", "iputils-ping", "tcpdump", "bash", "procps", "less",
	"dash", "coreutils", "grep", "sed", "findutils", "gawk", "ncurses-base", "ncurses-bin", "netbase",
	"util-linux", "hostname",
	"usr-is-merged", // met before usrmerge, which would bring perl
}

// Env names the environment variable that says where every command's microVM takes its programs from
// when no flag says: host or debian.
const Env = "LVSLAB_USERLAND"

// Where the guest's programs come from.
const (
	FromHost   = "host"   // the host's root, read-only
	FromDebian = "debian" // Debian's packages, in the cache
)

// Source is where the guest's programs come from: from ("host" or "debian"), else $LVSLAB_USERLAND, else
// Debian's packages, so that a host needs nothing but qemu and lvslab.
func Source(from string) (string, error) { return sourceOn(runtime.GOOS, from) }

func sourceOn(goos, from string) (string, error) {
	what := "--userland"
	if from == "" {
		from, what = os.Getenv(Env), "$"+Env
	}
	switch from {
	case "":
		return FromDebian, nil
	case FromHost:
		if goos != "linux" {
			return "", fmt.Errorf("%s %s: the guest runs Linux programs, and this host's are %s's; use %s (the default)", what, from, goos, FromDebian)
		}
		return from, nil
	case FromDebian:
		return from, nil
	}
	return "", fmt.Errorf("%s %q: expected %s or %s", what, from, FromHost, FromDebian)
}

// Image is a userland unpacked in the cache.
type Image struct {
	Root     string   // the tree the guest's programs come from, for qemu's 9p (absent on Windows)
	Disk     string   // the same tree as an EROFS image, for a read-only disk
	Suite    string   // the Debian release
	Arch     string   // the Debian architecture
	Packages []string // "name version" of each package in it
}

// keyPackages are the packages a report names with their versions.
var keyPackages = []string{"ipvsadm", "apache2-utils", "curl", "iproute2"}

// Describe says what the image is, for a report: "Debian bookworm amd64, 114 packages: ipvsadm
// 1:1.31-1+b1, apache2-utils …".
func (img *Image) Describe() string {
	var named []string
	for _, p := range img.Packages {
		if name, _, _ := strings.Cut(p, " "); slices.Contains(keyPackages, name) {
			named = append(named, p)
		}
	}
	return fmt.Sprintf("Debian %s %s, %d packages: %s", img.Suite, img.Arch, len(img.Packages), strings.Join(named, ", "))
}

// Options say which userland to use and where from.
type Options struct {
	Cache  string             // the cache folder (kernel.CacheDir())
	Mirror string             // the Debian mirror (debian.FindMirror)
	Suite  string             // debian.SuiteFromEnv() unless said
	Arch   string             // amd64 unless said
	Keys   openpgp.EntityList // the archive's signing keys; Debian's unless said (tests sign their own)
	Now    func() time.Time   // the clock the archive's Valid-Until is read against; default time.Now
	// Resolve builds the image from the archive's index (or finds it built) even when the cache links
	// one for the list already, and links that (an import from a bundle: the bundle's packages).
	Resolve bool
	Notices io.Writer
}

// manifestFile lists an image's packages, one "name version" a line; an image without it is unfinished.
const manifestFile = "manifest"

// diskFile is the image's tree as an EROFS filesystem, for the guest to mount from a read-only disk.
const diskFile = "root.erofs"

// treeOnHost tells whether the userland is also unpacked as a folder, where lvslab looks commands up: not on
// Windows, whose filesystem holds no Linux modes or links and whose qemu has no 9p.
var treeOnHost = runtime.GOOS != "windows"

// Ensure is the userland opts asks for: the one the cache holds for its suite and architecture (no
// network touched), else one built now from the archive.
func Ensure(ctx context.Context, opts Options) (*Image, error) {
	if opts.Suite == "" {
		opts.Suite = debian.SuiteFromEnv()
	}
	if opts.Arch == "" {
		opts.Arch = "amd64"
	}
	root := filepath.Join(opts.Cache, "userland")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("userland cache: %w", err)
	}
	link := opts.Suite + "-" + opts.Arch + "-" + listHash() // a new list is a new image
	if img, err := open(root, link); err == nil && !opts.Resolve {
		return img, nil
	}
	lock, err := lockRoot(ctx, root)
	if err != nil {
		return nil, err
	}
	defer lock.Release(false)
	if img, err := open(root, link); err == nil && !opts.Resolve { // another lvslab built it meanwhile
		return img, nil
	}
	return build(ctx, root, link, opts)
}

// open reads the image the link names, if it is complete.
func open(root, link string) (*Image, error) {
	target, err := symlink.Read(root, link)
	if err != nil {
		return nil, err
	}
	if target == "" || strings.ContainsRune(target, '/') || strings.HasPrefix(target, ".") {
		return nil, fmt.Errorf("%s: a link lvslab did not make", filepath.Join(root, link))
	}
	dir := filepath.Join(root, target)
	if st, err := os.Lstat(dir); err != nil || !st.IsDir() || !imageName(link, target) {
		return nil, fmt.Errorf("%s: expected %s-<16 hex digits>, a folder lvslab made", filepath.Join(root, link), link)
	}
	data, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if err != nil || len(data) > 1<<20 {
		return nil, errors.New("unfinished")
	}
	pkgs := strings.Split(strings.TrimSpace(string(data)), "\n")
	for _, line := range pkgs {
		if name, version, ok := strings.Cut(line, " "); !ok || !debian.IsPackageName(name) || version == "" {
			return nil, fmt.Errorf("%s: line %q: expected \"<package> <version>\"", filepath.Join(dir, manifestFile), line)
		}
	}
	parts := strings.Split(link, "-")
	suite, arch := parts[0], parts[1]
	disk := filepath.Join(dir, diskFile)
	if st, err := os.Stat(disk); err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: expected the image's disk, a file lvslab made", disk)
	}
	return &Image{Root: filepath.Join(dir, "root"), Disk: disk, Suite: suite, Arch: arch, Packages: pkgs}, nil
}

// imageName tells whether target is the name build gives an image for link: <link>-<16 hex digits>.
func imageName(link, target string) bool {
	sum, ok := strings.CutPrefix(target, link+"-")
	b, err := hex.DecodeString(sum)
	return ok && err == nil && len(b) == 8 && strings.ToLower(sum) == sum
}

// lockRoot takes the userland's lock: one lvslab builds or prunes at a time.
func lockRoot(ctx context.Context, root string) (*lockfile.Lock, error) {
	return lockfile.Wait(ctx, filepath.Join(root, ".lock"), 10*time.Minute, "another lvslab builds the guest's userland in "+root)
}

// build resolves the packages, fetches and unpacks them into a new folder named by their digests, and
// points the link at it. The caller holds the lock.
func build(ctx context.Context, root, link string, opts Options) (*Image, error) {
	start := time.Now()
	m, err := debian.FindMirror(opts.Mirror)
	if err != nil {
		return nil, err
	}
	a := &debian.Archive{Mirror: m, Suite: opts.Suite, Arch: opts.Arch, Cache: debian.CacheIn(opts.Cache), Keys: opts.Keys, Now: opts.Now, Notices: opts.Notices}
	ix, err := a.Index(ctx)
	if err != nil {
		return nil, fmt.Errorf("the guest's userland: %w", err)
	}
	pkgs, err := ix.Closure(Packages, opts.Arch)
	if err != nil {
		return nil, fmt.Errorf("the guest's userland: %w", err)
	}
	var manifest strings.Builder
	h := sha256.New()
	for _, p := range pkgs {
		fmt.Fprintf(&manifest, "%s %s\n", p.Name, p.Version)
		fmt.Fprintf(h, "%s %s %s\n", p.Name, p.Version, p.SHA256)
	}
	name := fmt.Sprintf("%s-%x", link, h.Sum(nil)[:8])
	dir := filepath.Join(root, name)
	if _, err := os.Stat(filepath.Join(dir, manifestFile)); err != nil {
		if opts.Notices != nil {
			fmt.Fprintf(opts.Notices, "lvslab: building the guest's userland from %d of Debian's packages (%s, %s)\n", len(pkgs), opts.Suite, opts.Arch)
		}
		if err := unpackAll(ctx, a, pkgs, root, dir, manifest.String()); err != nil {
			return nil, err
		}
		if opts.Notices != nil {
			fmt.Fprintf(opts.Notices, "lvslab: the guest's userland is built in %.1f s: %s\n", time.Since(start).Seconds(), dir)
		}
	}
	if err := symlink.Point(root, link, name); err != nil {
		return nil, err
	}
	return open(root, link)
}

// unpackAll fetches each package and unpacks it into dir/root (where the host's filesystem can hold a
// Linux tree: not on Windows) and into the image dir/root.erofs, adds what Debian's maintainer scripts
// would have made and the guest needs, and the manifest that marks the image finished: all in a temporary
// folder, synced, then renamed into place, so that dir is whole or absent.
func unpackAll(ctx context.Context, a *debian.Archive, pkgs []*debian.Package, root, dir, manifest string) error {
	tmp, err := os.MkdirTemp(root, ".tmp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	image, err := newImageTree(tmp)
	if err != nil {
		return err
	}
	defer image.close()
	u := &debian.Unpacker{Into: []debian.Tree{image}, MergedUsr: true}
	if treeOnHost {
		u.Into = append(u.Into, debian.DirTree(filepath.Join(tmp, "root")))
	}
	for _, p := range pkgs {
		deb, err := a.Deb(ctx, p)
		if err != nil {
			return err
		}
		if err := u.Unpack(deb); err != nil {
			return fmt.Errorf("the guest's userland: package %s: %w", p.Name, err)
		}
	}
	if err := writeSystemFiles(u); err != nil {
		return err
	}
	err = erofsimage.Write(filepath.Join(tmp, diskFile), ".tmp-", image.fill)
	image.close() // its spool is in tmp, which becomes the image
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, manifestFile), []byte(manifest), 0o644); err != nil {
		return err
	}
	syncAll()         // the files, before the rename that makes them the image
	os.RemoveAll(dir) // an unfinished one
	return os.Rename(tmp, dir)
}
