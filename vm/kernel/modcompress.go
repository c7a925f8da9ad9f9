package kernel

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/lvslab/lvslab/debian"
)

// Debian's 6.1 kernel ships plain .ko modules; its 6.12 kernel ships .ko.xz. The host reads compressed
// modules in Go (xz, zstd, gzip): for the module index, and for the modules it puts into the
// initramfs. The guest's kernel unpacks them itself (Kernel.Unpacks).

// compressedSuffixes are the module file suffixes besides .ko, as kmod knows them.
var compressedSuffixes = []string{".ko.xz", ".ko.zst", ".ko.gz"}

// ModuleSuffix is the module file suffix of name (.ko, .ko.xz, .ko.zst, .ko.gz), or "" for other files.
func ModuleSuffix(name string) string {
	for _, s := range compressedSuffixes {
		if strings.HasSuffix(name, s) {
			return s
		}
	}
	if strings.HasSuffix(name, ".ko") {
		return ".ko"
	}
	return ""
}

func IsCompressed(name string) bool {
	s := ModuleSuffix(name)
	return s != "" && s != ".ko"
}

// moduleFileName is the module name that a module file's name gives: kernel/fs/9p/9p.ko.xz is 9p.
func moduleFileName(p string) string {
	return ModName(strings.TrimSuffix(filepath.Base(p), ModuleSuffix(p)))
}

// UnpackModules calls each with the decompressed content of every compressed module in paths, on all
// CPUs (so each must be safe for concurrent use); i indexes paths.
func UnpackModules(ctx context.Context, paths []string, each func(i int, data []byte) error) error {
	for _, p := range paths {
		if !IsCompressed(p) {
			return fmt.Errorf("module %s: expected a .ko.xz, .ko.zst or .ko.gz file to decompress", p)
		}
	}
	return parallel(len(paths), func(i int) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		data, err := unpackFile(paths[i])
		if err == nil {
			err = each(i, data)
		}
		return err
	})
}

// unpackFile reads a compressed module whole.
func unpackFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := decompressor(ModuleSuffix(path), bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("module %s: %w", path, err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("module %s: %w", path, err)
	}
	return data, nil
}

// decompressor reads what r holds compressed by the method a module suffix names (.ko.xz, .ko.zst,
// .ko.gz), one stream of it.
func decompressor(suffix string, r io.Reader) (io.Reader, error) {
	switch suffix {
	case ".ko.xz":
		return debian.XZStream(r)
	case ".ko.zst":
		return debian.ZstdStream(r)
	case ".ko.gz":
		return debian.GzipStream(r)
	}
	return nil, fmt.Errorf("no decompressor for %q", suffix)
}

// parallel runs f(0) to f(n-1) on all CPUs and joins their errors.
func parallel(n int, f func(i int) error) error {
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for i := range next {
				errs[i] = f(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return errors.Join(errs...)
}
