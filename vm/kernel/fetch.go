package kernel

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/lvslab/lvslab/internal/supervise"
)

// resolvePackage asks apt which versioned kernel package pkg stands for right now, and its version. A
// metapackage (linux-image-amd64, linux-image-6.12-amd64) depends on the versioned package, which depends
// on no linux-image-* package itself.
func resolvePackage(ctx context.Context, pkg string) (versioned, version string, err error) {
	versioned = pkg
	for hops := 0; ; hops++ {
		out, err := command(ctx, "", "apt-cache", "depends", versioned)
		if err != nil {
			return "", "", fmt.Errorf("kernel package %s: %w\nrun apt-get update, check the name (apt-cache search linux-image), or pass --kernel and --modules", pkg, err)
		}
		dep := ""
		for _, line := range strings.Split(out, "\n") {
			if d, ok := strings.CutPrefix(strings.TrimSpace(line), "Depends: "); ok && strings.HasPrefix(d, "linux-image-") {
				dep = strings.TrimSpace(d)
				break
			}
		}
		if dep == "" {
			break
		}
		if hops == 3 {
			return "", "", fmt.Errorf("kernel package %s: expected a linux-image package within 3 dependencies, still at %s", pkg, dep)
		}
		versioned = dep
	}
	if !strings.HasPrefix(versioned, "linux-image-") {
		return "", "", fmt.Errorf("kernel package %s: expected a linux-image-* package or one that depends on it", pkg)
	}
	out, err := command(ctx, "", "apt-cache", "show", "--no-all-versions", versioned)
	if err != nil {
		return "", "", err
	}
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "Version: "); ok {
			return versioned, strings.ReplaceAll(strings.TrimSpace(v), ":", "%3a"), nil
		}
	}
	return "", "", fmt.Errorf("apt-cache show %s gave no Version: line; run apt-get update", versioned)
}

// fetchPackage downloads pkg and unpacks it into dest. Both steps happen in a temporary directory next to
// dest that is renamed into place at the end, so dest is either complete or absent.
func fetchPackage(ctx context.Context, root, pkg, dest string) error {
	tmp, err := os.MkdirTemp(root, tmpPrefix)
	if err != nil {
		return fmt.Errorf("kernel cache: %w", err)
	}
	defer os.RemoveAll(tmp)
	dl := filepath.Join(tmp, "deb")
	if err := os.Mkdir(dl, 0o755); err != nil {
		return err
	}
	if _, err := command(ctx, dl, "apt-get", "download", pkg); err != nil {
		return err
	}
	debs, _ := filepath.Glob(filepath.Join(dl, "*.deb"))
	if len(debs) != 1 {
		return fmt.Errorf("apt-get download %s: expected one .deb in %s, found %d", pkg, dl, len(debs))
	}
	x := filepath.Join(tmp, "x")
	if err := unpackDeb(debs[0], x); err != nil {
		return fmt.Errorf("package %s: %w", pkg, err)
	}
	k, err := unpackedKernel(x)
	if err != nil {
		return fmt.Errorf("package %s: %w", pkg, err)
	}
	if err := writeIndex(ctx, k.Modules); err != nil {
		return err
	}
	if err := writeVmlinux(ctx, k); err != nil {
		return fmt.Errorf("package %s: %w; its kernel would unpack itself at every boot, four times slower under emulation: pass another --kernel-package, or --kernel and --modules", pkg, err)
	}
	if err := os.Rename(x, dest); err != nil {
		return fmt.Errorf("kernel cache: %w", err)
	}
	return nil
}

// command runs a helper program and returns its output, or an error that carries it.
func command(ctx context.Context, dir, name string, args ...string) (string, error) {
	if _, err := exec.LookPath(name); err != nil {
		return "", fmt.Errorf("%s not found: fetching Debian's kernel needs apt (a Debian or Ubuntu host); elsewhere pass --kernel and --modules", name)
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := supervise.Run(ctx, cmd); err != nil {
		return "", fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
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
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && !HasPVHEntry(f.Name()) {
		err = fmt.Errorf("%s: unpacked an image that is no ELF kernel with a PVH entry (CONFIG_PVH) for qemu to boot", k.Vmlinuz)
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
