package vm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// The Debian package whose dependency names the current kernel, e.g. linux-image-6.1.0-56-amd64.
const metaPackage = "linux-image-amd64"

// tmpPrefix marks unpack directories under the cache's kernel/ folder; a finished unpack is renamed, so any
// directory that still carries the prefix was left by a run that died and is removed by the next one.
const tmpPrefix = ".tmp-"

// CacheDir is where fetched kernels live: $LVSLAB_CACHE, else $XDG_CACHE_HOME/lvslab, else ~/.cache/lvslab.
func CacheDir() (string, error) {
	if d := os.Getenv("LVSLAB_CACHE"); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "lvslab"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory: set LVSLAB_CACHE (%v)", err)
	}
	return filepath.Join(home, ".cache", "lvslab"), nil
}

// EnsureKernel returns the kernel to boot: the one given in opts.Kernel and opts.ModulesDir, else the
// newest one in the cache, else Debian's current generic kernel, fetched into the cache with apt first.
func EnsureKernel(ctx context.Context, opts Options) (*Kernel, error) {
	if opts.Kernel != "" || opts.ModulesDir != "" {
		return userKernel(opts.Kernel, opts.ModulesDir)
	}
	root, err := kernelRoot(opts.Cache)
	if err != nil {
		return nil, err
	}
	cleanStaleIfIdle(root)
	if k := newestCached(root); k != nil {
		return k, nil
	}
	return FetchKernel(ctx, opts)
}

// FetchKernel asks apt which package linux-image-amd64 stands for now and unpacks it into the cache unless
// it is there already. EnsureKernel calls it when the cache is empty; call it to move to a newer kernel.
func FetchKernel(ctx context.Context, opts Options) (*Kernel, error) {
	root, err := kernelRoot(opts.Cache)
	if err != nil {
		return nil, err
	}
	pkg, version, err := resolvePackage(ctx)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(root, pkg+"_"+version)
	if _, err := os.Stat(dir); err == nil {
		return unpackedKernel(dir)
	}
	unlock, err := lockDir(ctx, root)
	if err != nil {
		return nil, err
	}
	defer unlock()
	cleanStale(root)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) { // another run may have fetched it meanwhile
		if err := fetchPackage(ctx, root, pkg, dir); err != nil {
			return nil, err
		}
	}
	return unpackedKernel(dir)
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

// newestCached is the most recently fetched complete kernel in the cache, or nil.
func newestCached(root string) *Kernel {
	entries, _ := os.ReadDir(root)
	var best *Kernel
	var bestTime time.Time
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
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
	if elf := filepath.Join(dir, "boot", "vmlinux-"+k.Version); k.Vmlinux == "" && hasPVHEntry(elf) {
		k.Vmlinux = elf
	}
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
	f, err := os.OpenFile(filepath.Join(root, ".lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil {
		cleanStale(root)
	}
}

// lockDir takes an exclusive flock on dir/.lock, polling until ctx ends. The kernel drops the lock when
// the holder dies, however it dies.
func lockDir(ctx context.Context, dir string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("kernel cache lock: %w", err)
	}
	deadline := time.Now().Add(10 * time.Minute) // a fetch takes seconds; a holder this slow is stuck
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("kernel cache lock %s: %w", f.Name(), err)
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("kernel cache %s: another lvslab has held %s for 10 minutes while fetching; stop it or wait", dir, f.Name())
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for another lvslab to finish fetching the kernel into %s: %w", dir, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
