package kernel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lvslab/lvslab/debian"
	"github.com/lvslab/lvslab/internal/lockfile"
	"github.com/lvslab/lvslab/internal/symlink"
)

// The default kernel package: Debian's metapackage whose dependency names its current kernel, e.g.
// linux-image-6.1.0-56-amd64.
const MetaPackage = "linux-image-amd64"

// The Debian architecture kernels come from when nothing else names one.
const DefaultArch = "amd64"

// tmpPrefix marks unpack directories under the cache's kernel/ folder; a finished unpack is renamed, so any
// directory that still carries the prefix was left by a run that died and is removed by the next one.
const tmpPrefix = ".tmp-"

// CacheDir is where fetched kernels live: $LVSLAB_CACHE, else lvslab in the OS's cache folder:
// $XDG_CACHE_HOME/lvslab or ~/.cache/lvslab on Linux, ~/Library/Caches/lvslab on macOS,
// %LocalAppData%\lvslab on Windows.
func CacheDir() (string, error) {
	if d := os.Getenv("LVSLAB_CACHE"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory: set LVSLAB_CACHE (%v)", err)
	}
	return filepath.Join(d, "lvslab"), nil
}

// Ensure returns the kernel to boot: the one given in opts.Vmlinuz and opts.Modules, else the
// cached kernel of the package opts asks for (Choice.Package, $LVSLAB_KERNEL_PACKAGE, linux-image-amd64),
// else that package's kernel, fetched into the cache from Debian's archive first.
func Ensure(ctx context.Context, opts Choice) (*Kernel, error) {
	if opts.Vmlinuz != "" || opts.Modules != "" {
		if opts.Package != "" {
			return nil, fmt.Errorf("kernel package %s and a kernel given by hand (%s, %s): expected one of them", opts.Package, opts.Vmlinuz, opts.Modules)
		}
		return userKernel(opts.Vmlinuz, opts.Modules)
	}
	root, pkg, err := opts.cachedPackage()
	if err != nil {
		return nil, err
	}
	cleanStaleIfIdle(root)
	if k := opts.cached(root, pkg); k != nil && !opts.Resolve {
		if k.Vmlinux == "" && bootsELF(opts.arch()) {
			opts.completeCache(ctx, root, k)
		}
		return k, nil
	}
	return fetchKernel(ctx, root, pkg, opts)
}

// completeCache unpacks the vmlinux of a kernel cached by a version of lvslab that could not (Debian 12's
// 6.1 is xz with a BCJ filter), under the cache lock.
func (opts Choice) completeCache(ctx context.Context, root string, k *Kernel) {
	unlock, err := lockDir(ctx, root)
	if err != nil {
		opts.cannotComplete(k, err)
		return
	}
	defer unlock()
	opts.completeLocked(ctx, k)
}

// completeLocked gives k the vmlinux another run unpacked meanwhile, or unpacks it. The caller holds the
// cache lock.
func (opts Choice) completeLocked(ctx context.Context, k *Kernel) {
	if elf := filepath.Join(filepath.Dir(k.Vmlinuz), "vmlinux-"+k.Version); HasPVHEntry(elf) {
		k.Vmlinux = elf
		return
	}
	if err := writeVmlinux(ctx, k); err != nil {
		opts.cannotComplete(k, err)
	}
}

// cannotComplete says why a cached kernel stays without its vmlinux: it still boots, slower.
func (opts Choice) cannotComplete(k *Kernel, err error) {
	opts.notice("kernel %s: %v; it unpacks itself at every boot instead, four times slower under emulation (delete %s to fetch it again)", k.Version, err, filepath.Dir(filepath.Dir(k.Vmlinuz)))
}

// cachedPackage is the kernel cache's folder and the Debian package whose kernel opts asks for.
func (opts Choice) cachedPackage() (root, pkg string, err error) {
	if pkg, err = opts.packageName(); err != nil {
		return "", "", err
	}
	root, err = kernelRoot(opts.Cache)
	return root, pkg, err
}

func fetchKernel(ctx context.Context, root, pkg string, opts Choice) (*Kernel, error) {
	a, err := opts.archive(root)
	if err != nil {
		return nil, err
	}
	// The lock covers the indexes too: a prune removes them.
	unlock, err := lockDir(ctx, root)
	if err != nil {
		return nil, err
	}
	defer unlock()
	cleanStale(root)
	ix, err := a.Index(ctx)
	if err != nil {
		return nil, fmt.Errorf("kernel package %s: %w", pkg, err)
	}
	p, err := ResolvePackage(ix, pkg, a.Arch)
	if err != nil {
		return nil, err
	}
	name := p.Name + "_" + debian.FileVersion(p.Version)
	dir := filepath.Join(root, name)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) { // another run may have fetched it meanwhile
		if err := fetchPackage(ctx, a, root, p, dir); err != nil {
			return nil, err
		}
	}
	k, err := unpackedKernel(dir)
	if err != nil {
		return nil, err
	}
	if k.Vmlinux == "" && bootsELF(a.Arch) { // fetched by an lvslab that could not unpack it
		opts.completeLocked(ctx, k)
	}
	if err := linkPackage(root, opts.link(pkg), name); err != nil {
		return nil, err
	}
	return k, nil
}

func kernelRoot(cache string) (string, error) {
	if cache == "" {
		var err error
		if cache, err = CacheDir(); err != nil {
			return "", err
		}
	}
	root := filepath.Join(cache, "kernel")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("kernel cache: %w", err)
	}
	return root, nil
}

// The cache holds one directory per fetched kernel, <versioned package>_<version>, and for each package
// asked for a symlink named after it that points to the directory of the kernel it stood for when it was
// fetched: linux-image-6.12-amd64 -> linux-image-6.12.117+deb12-amd64_6.12.117-1~deb12u1.

// cachedKernel is the package's kernel in the cache, or nil: the directory its link points to; else, for
// a versioned package, the newest directory of that package; else, for linux-image-amd64, the newest
// directory no link claims (caches filled before the links existed held only its kernels).
func cachedKernel(root, pkg string) *Kernel {
	if _, err := symlink.Read(root, pkg); err == nil {
		return linkedKernel(root, pkg)
	}
	if k := newestCached(root, func(dir string) bool { return strings.HasPrefix(dir, pkg+"_") }); k != nil || pkg != MetaPackage {
		return k
	}
	claimed := map[string]bool{}
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if symlink.Is(root, e) {
			if target, err := symlink.Read(root, e.Name()); err == nil {
				claimed[target] = true
			}
		}
	}
	return newestCached(root, func(dir string) bool { return !claimed[dir] && strings.Contains(dir, "-"+DefaultArch+"_") })
}

// linkedKernel is the kernel the link names, or nil.
func linkedKernel(root, link string) *Kernel {
	target, err := symlink.Read(root, link)
	if err != nil || !isKernelDirName(target) {
		return nil // none, or not a link lvslab made: fetch again, which replaces it
	}
	k, _ := unpackedKernel(filepath.Join(root, target))
	return k
}

// suite is the Debian release opts asks for.
func (opts Choice) suite() string {
	if opts.Suite != "" {
		return opts.Suite
	}
	return debian.SuiteFromEnv()
}

// link is the name in the cache of the package asked for: the package itself for Debian's default
// release, <package>@<suite> for another (trixie's linux-image-amd64 is not bookworm's).
func (opts Choice) link(pkg string) string {
	if s := opts.suite(); s != debian.DefaultSuite {
		return pkg + "@" + s
	}
	return pkg
}

// cached is the kernel of pkg the cache holds for opts' release, or nil.
func (opts Choice) cached(root, pkg string) *Kernel {
	if link := opts.link(pkg); link != pkg {
		return linkedKernel(root, link)
	}
	return cachedKernel(root, pkg)
}

// isKernelDirName tells whether a link's target is a name fetchKernel gives a kernel's folder in the
// cache: a plain name beside the link, no path.
func isKernelDirName(target string) bool {
	return target != "" && !strings.ContainsRune(target, '/') && !strings.HasPrefix(target, ".")
}

// newestCached is the most recently fetched complete kernel in the cache whose directory name passes
// keep, or nil.
func newestCached(root string, keep func(dir string) bool) *Kernel {
	entries, _ := os.ReadDir(root)
	var best *Kernel
	var bestTime time.Time
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") || !keep(e.Name()) {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().After(bestTime) {
			continue
		}
		if k, err := unpackedKernel(filepath.Join(root, e.Name())); err == nil {
			best, bestTime = k, info.ModTime()
		}
	}
	return best
}

// linkPackage points the package's link at the kernel directory name, atomically. The caller holds the
// cache lock.
func linkPackage(root, pkg, name string) error {
	if err := symlink.Point(root, pkg, name); err != nil {
		return fmt.Errorf("kernel cache: %w", err)
	}
	return nil
}

// unpackedKernel finds boot/vmlinuz-*, the vmlinux lvslab extracted from it, and the module tree in an
// unpacked linux-image package.
func unpackedKernel(dir string) (*Kernel, error) {
	images, _ := filepath.Glob(filepath.Join(dir, "boot", "vmlinuz-*"))
	if len(images) != 1 {
		return nil, fmt.Errorf("kernel cache %s: expected one boot/vmlinuz-*, found %d; delete the directory to fetch it again", dir, len(images))
	}
	k, err := userKernel(images[0], dir)
	if err != nil {
		return nil, err
	}
	if elf := filepath.Join(dir, "boot", "vmlinux-"+k.Version); k.Vmlinux == "" && HasPVHEntry(elf) {
		k.Vmlinux = elf
	}
	// The directory is named <versioned package>_<version> (fetchKernel).
	k.Package, k.PackageVersion, _ = strings.Cut(filepath.Base(dir), "_")
	return k, nil
}

// cleanStale removes the unpack directories of runs that died. The caller holds the cache lock, so no
// live run owns one.
func cleanStale(root string) {
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tmpPrefix) {
			os.RemoveAll(filepath.Join(root, e.Name()))
		}
	}
}

// cleanStaleIfIdle cleans up after a fetch that died, if no fetch is running now.
func cleanStaleIfIdle(root string) {
	if l, err := lockfile.Try(filepath.Join(root, ".lock")); err == nil {
		cleanStale(root)
		l.Release(false)
	}
}

// lockDir takes the cache's lock (dir/.lock), polling until another lvslab lets go; a fetch takes
// seconds, so a holder slower than 10 minutes is stuck. The kernel drops the lock when the holder dies,
// however it dies.
func lockDir(ctx context.Context, dir string) (unlock func(), err error) {
	l, err := lockfile.Wait(ctx, filepath.Join(dir, ".lock"), 10*time.Minute, "another lvslab is fetching into "+dir)
	if err != nil {
		return nil, fmt.Errorf("kernel cache %s: %w; stop that lvslab or wait for it", dir, err)
	}
	return func() { l.Release(false) }, nil
}

// Choice is which kernel to boot, and where notices about fetching it go.
type Choice struct {
	Package          string    // a Debian kernel package; default DefaultPackageFor(Arch)
	Vmlinuz, Modules string    // a kernel given by hand instead, and its module tree
	Cache            string    // the kernel cache; default CacheDir()
	Mirror           string    // the Debian mirror to fetch from; default debian.FindMirror's
	Suite, Arch      string    // the Debian release and architecture; default debian.SuiteFromEnv(), DefaultArch
	Notices          io.Writer // one-line notices; nil drops them
	// Now is the clock the archive's Valid-Until is read against; default time.Now.
	Now func() time.Time
	// Resolve asks the archive what the package stands for even when the cache holds a kernel for it, and
	// links the package to that one (an import from a bundle: the bundle's kernel, not an older one).
	Resolve bool
}

func (opts Choice) notice(format string, args ...any) {
	if opts.Notices != nil {
		fmt.Fprintf(opts.Notices, "lvslab: "+format+"\n", args...)
	}
}

// Cached is the kernel of the Debian package pkg in the cache (default CacheDir()), nil if it holds none.
func Cached(cache, pkg string) (*Kernel, error) {
	root, err := kernelRoot(cache)
	if err != nil {
		return nil, err
	}
	return cachedKernel(root, pkg), nil
}
