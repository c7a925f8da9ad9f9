package kernel

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/lvslab/lvslab/debian"
)

// archive is where opts fetches Debian's packages from, keeping what it fetched beside the kernels.
func (opts Choice) archive(root string) (*debian.Archive, error) {
	m, err := debian.FindMirror(opts.Mirror)
	if err != nil {
		return nil, err
	}
	return &debian.Archive{Mirror: m, Suite: opts.suite(), Arch: opts.arch(), Now: opts.Now, Cache: archiveCache(root), Notices: opts.Notices}, nil
}

// archiveCache is where what is fetched from Debian's archive is kept: beside the kernels' folder root.
func archiveCache(root string) string { return debian.CacheIn(filepath.Dir(root)) }

// ResolvePackage is the versioned kernel package pkg stands for in the index. A metapackage
// (linux-image-amd64, linux-image-6.12-amd64) depends on the versioned package, which depends on no
// linux-image-* package itself.
func ResolvePackage(ix *debian.Index, pkg, arch string) (*debian.Package, error) {
	p := ix.Newest(pkg, arch)
	if p == nil {
		return nil, fmt.Errorf("kernel package %s: not in the Debian archive's index for %s: check the name (e.g. linux-image-amd64, linux-image-6.12-amd64), or pass --kernel and --modules", pkg, arch)
	}
	for hops := 0; ; hops++ {
		dep := ""
		for _, alts := range debian.Relations(p.Depends) {
			if strings.HasPrefix(alts[0], "linux-image-") {
				dep = alts[0]
				break
			}
		}
		if dep == "" {
			return p, nil
		}
		if hops == 3 {
			return nil, fmt.Errorf("kernel package %s: expected a linux-image package within 3 dependencies, still at %s", pkg, dep)
		}
		if p = ix.Newest(dep, arch); p == nil {
			return nil, fmt.Errorf("kernel package %s depends on %s, which the archive's index for %s does not hold", pkg, dep, arch)
		}
	}
}

// fetchPackage fetches p (checked against its signed index) and unpacks it into dest, in a temporary
// directory next to dest that is renamed into place at the end, so dest is either complete or absent.
func fetchPackage(ctx context.Context, a *debian.Archive, root string, p *debian.Package, dest string) error {
	deb, err := a.Deb(ctx, p)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(root, tmpPrefix)
	if err != nil {
		return fmt.Errorf("kernel cache: %w", err)
	}
	defer os.RemoveAll(tmp)
	x := filepath.Join(tmp, "x")
	if err := debian.Unpack(deb, x); err != nil {
		return fmt.Errorf("package %s: %w", p.Name, err)
	}
	k, err := unpackedKernel(x)
	if err != nil {
		return fmt.Errorf("package %s: %w", p.Name, err)
	}
	if err := writeIndex(ctx, k.Modules); err != nil {
		return err
	}
	if bootsELF(a.Arch) {
		if err := writeVmlinux(ctx, k); err != nil {
			return fmt.Errorf("package %s: %w; its kernel would unpack itself at every boot, four times slower under emulation: pass another --kernel-package, or --kernel and --modules", p.Name, err)
		}
	}
	if err := os.Rename(x, dest); err != nil {
		return fmt.Errorf("kernel cache: %w", err)
	}
	return nil
}

// writeVmlinux stores the kernel's ELF image next to its bzImage, for fast boots: a bzImage unpacks
// itself under emulation, four times slower than qemu boots the ELF image. It writes a temporary file and
// renames it, so the cache never holds half a vmlinux. The caller holds the cache lock.
func writeVmlinux(ctx context.Context, k *Kernel) error {
	if k.Vmlinux != "" {
		return nil
	}
	path := filepath.Join(filepath.Dir(k.Vmlinuz), "vmlinux-"+k.Version)
	stale, _ := filepath.Glob(filepath.Join(filepath.Dir(path), tmpPrefix+"vmlinux-*")) // a run that died; the caller holds the cache lock
	for _, p := range stale {
		os.Remove(p)
	}
	f, err := os.CreateTemp(filepath.Dir(path), tmpPrefix+"vmlinux-")
	if err != nil {
		return fmt.Errorf("kernel cache: %w", err)
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return fmt.Errorf("kernel cache: %w", err)
	}
	err = ExtractVmlinux(ctx, k.Vmlinuz, f)
	if err == nil && !PVHEntryIn(f) {
		err = fmt.Errorf("%s: unpacked an image that is no ELF kernel with a PVH entry (CONFIG_PVH) for qemu to boot", k.Vmlinuz)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("unpacking the kernel for qemu: %w", err)
	}
	k.Vmlinux = path
	return nil
}
