package bundle

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/lvslab/lvslab/internal/ctxio"
	"github.com/lvslab/lvslab/internal/lockfile"
	"github.com/lvslab/lvslab/vm/kernel"
	"github.com/lvslab/lvslab/vm/userland"
)

// ImportOptions say where a bundle goes.
type ImportOptions struct {
	Cache   string // lvslab's cache (kernel.CacheDir())
	Notices io.Writer
}

// Imported is what an import put where.
type Imported struct {
	Manifest *Manifest
	Binaries string // the folder that keeps the bundle's lvslab binaries, "" if it had none
}

// Import checks the bundle at path against its manifest, file by file, and fills the cache from it with
// the checks a fetch makes (Debian's signatures and digests), with no network. The signed indexes are
// read as of the bundle's making: a security suite's InRelease is valid for a week only, and a bundle is
// made for later. Its lvslab binaries are kept in the cache's bundles/ folder.
func Import(ctx context.Context, path string, opts ImportOptions) (*Imported, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	root := filepath.Join(opts.Cache, "bundles")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, err
	}
	lock, err := lockfile.Wait(ctx, filepath.Join(root, ".lock"), 10*time.Minute, "another lvslab imports a bundle into "+root)
	if err != nil {
		return nil, err
	}
	defer lock.Release(false)
	sweepImports(root) // what an import that was killed left; none runs now
	dir, err := os.MkdirTemp(root, importPrefix)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	man, err := extract(ctxio.Reader(ctx, bufio.NewReaderSize(f, 1<<20)), dir)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", path, err)
	}
	mirror := (&url.URL{Scheme: "file", Path: filepath.Join(dir, archiveDir)}).String()
	made := func() time.Time { return man.Created }
	for _, mc := range man.Machines {
		for _, k := range mc.Kernels {
			if _, err := kernel.Ensure(ctx, kernel.Choice{Package: k, Arch: mc.Arch, Suite: man.Suite, Cache: opts.Cache, Mirror: mirror, Now: made, Resolve: true, Notices: opts.Notices}); err != nil {
				return nil, fmt.Errorf("bundle %s: kernel %s: %w", path, k, err)
			}
		}
		if _, err := userland.Ensure(ctx, userland.Options{Cache: opts.Cache, Mirror: mirror, Suite: man.Suite, Arch: mc.Arch, Now: made, Resolve: true, Notices: opts.Notices}); err != nil {
			return nil, fmt.Errorf("bundle %s: the guest's programs: %w", path, err)
		}
	}
	out := &Imported{Manifest: man}
	if _, err := os.Stat(filepath.Join(dir, binDir)); err == nil {
		out.Binaries = filepath.Join(root, "bin-"+man.Created.UTC().Format("20060102T150405Z"))
		if err := os.RemoveAll(out.Binaries); err != nil {
			return nil, err
		}
		if err := os.Rename(filepath.Join(dir, binDir), out.Binaries); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// importPrefix begins the name of the folder an import unpacks a bundle into, in the cache's bundles/.
const importPrefix = ".import-"

// sweepImports removes the folders imports that died left in root. The caller holds root's lock.
func sweepImports(root string) {
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), importPrefix) {
			os.RemoveAll(filepath.Join(root, e.Name()))
		}
	}
}

// extract reads a bundle: its manifest first, checked as data, then each file it lists, written under dir
// and checked against the manifest's size and SHA256. Anything the manifest does not list, a file listed
// twice or missing, or any other kind of entry, is refused.
func extract(r io.Reader, dir string) (*Manifest, error) {
	tr := tar.NewReader(r)
	h, err := tr.Next()
	if err != nil || h.Name != manifestName || h.Typeflag != tar.TypeReg || h.Size > maxManifest {
		return nil, fmt.Errorf("expected %s (at most %d MB) first: not an lvslab bundle", manifestName, maxManifest>>20)
	}
	data, err := io.ReadAll(io.LimitReader(tr, maxManifest))
	if err != nil {
		return nil, err
	}
	man := &Manifest{}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(man); err != nil {
		return nil, fmt.Errorf("%s: %w", manifestName, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: expected one JSON object, found more after it", manifestName)
	}
	if err := man.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", manifestName, err)
	}
	want := map[string]File{}
	for _, f := range man.Files {
		want[f.Path] = f
	}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		f, ok := want[h.Name]
		switch {
		case !ok:
			return nil, fmt.Errorf("%s: not in the manifest, or there twice", h.Name)
		case h.Typeflag != tar.TypeReg || h.Size != f.Size:
			return nil, fmt.Errorf("%s: expected a file of %d bytes, found type %c of %d", h.Name, f.Size, h.Typeflag, h.Size)
		}
		delete(want, h.Name)
		if err := writeChecked(tr, filepath.Join(dir, filepath.FromSlash(f.Path)), f); err != nil {
			return nil, err
		}
	}
	if len(want) > 0 {
		missing := slices.Sorted(maps.Keys(want))
		return nil, fmt.Errorf("%s: in the manifest, not in the bundle (%d files missing): the bundle is cut short", missing[0], len(missing))
	}
	return man, nil
}

// writeChecked writes f's content from r to dest, and refuses it unless its SHA256 is the manifest's.
func writeChecked(r io.Reader, dest string, f File) error {
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(dest, os.O_CREATE|os.O_EXCL|os.O_WRONLY, f.mode())
	if err != nil {
		return err
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(out, h), io.LimitReader(r, f.Size))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != f.SHA256 {
		return fmt.Errorf("%s: SHA256 %s, the manifest says %s: the bundle is damaged or altered", f.Path, got, f.SHA256)
	}
	return nil
}
