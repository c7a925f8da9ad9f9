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
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/lvslab/lvslab/debian"
	"github.com/lvslab/lvslab/vm/kernel"
	"github.com/lvslab/lvslab/vm/userland"
)

// CreateOptions say what a bundle holds.
type CreateOptions struct {
	Suite    string            // default debian.SuiteFromEnv()
	Mirror   string            // the Debian mirror (debian.FindMirror)
	Machines []Machine         // each architecture and its kernel packages
	Binaries map[string]string // lvslab's binaries: name in the bundle's bin/ -> file
	Cache    string            // lvslab's cache (kernel.CacheDir()), where fetched files are kept
	Notices  io.Writer
}

// entry is a file to write into a bundle: from the cache (file) or fetched now (data).
type entry struct {
	File
	file string
	data []byte
}

// Create writes the bundle opts asks for to dest (whole or not at all), fetching what the cache lacks,
// and returns its manifest.
func Create(ctx context.Context, dest string, opts CreateOptions) (*Manifest, error) {
	if opts.Suite == "" {
		opts.Suite = debian.SuiteFromEnv()
	}
	if st, err := os.Stat(filepath.Dir(dest)); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%s: expected its folder to exist, to write the bundle into: %v", dest, err)
	}
	m, err := debian.FindMirror(opts.Mirror)
	if err != nil {
		return nil, err
	}
	man := &Manifest{Format: Format, Suite: opts.Suite, Mirror: m.URL, Machines: opts.Machines}
	if err := man.checkMachines(); err != nil {
		return nil, err
	}
	var entries []entry
	add := func(e entry) error {
		i := slices.IndexFunc(entries, func(o entry) bool { return o.Path == e.Path })
		switch {
		case i < 0:
			entries = append(entries, e)
		case e.data != nil && !bytes.Equal(entries[i].data, e.data):
			// Each architecture's indexes must be those one InRelease lists.
			return fmt.Errorf("%s changed while the bundle was made (the mirror published a new release): make it again", e.Path)
		}
		return nil
	}
	for _, mc := range opts.Machines {
		if err := machineEntries(ctx, m, mc, opts, add); err != nil {
			return nil, err
		}
	}
	// After the fetches: the InReleases were signed before this, and are read as of it on import.
	man.Created = time.Now().UTC().Truncate(time.Second)
	for name, file := range opts.Binaries {
		if err := add(entry{File: File{Path: binDir + "/" + name}, file: file}); err != nil {
			return nil, err
		}
	}
	for i := range entries {
		if err := entries[i].digest(); err != nil {
			return nil, err
		}
		man.Files = append(man.Files, entries[i].File)
	}
	if err := man.check(); err != nil {
		return nil, fmt.Errorf("the bundle would not read back: %w", err)
	}
	return man, writeAtomically(dest, func(w io.Writer) error { return writeTar(w, man, entries) })
}

// machineEntries adds what one architecture boots: the signed indexes, the kernels' packages and the
// guest's programs' packages, each where the mirror has it.
func machineEntries(ctx context.Context, m debian.Mirror, mc Machine, opts CreateOptions, add func(entry) error) error {
	a := &debian.Archive{Mirror: m, Suite: opts.Suite, Arch: mc.Arch, Cache: debian.CacheIn(opts.Cache), Notices: opts.Notices}
	ix, err := a.Index(ctx)
	if err != nil {
		return err
	}
	dirOf := func(root string) (string, error) {
		switch root {
		case m.URL:
			return archiveDir, nil
		case m.Security:
			return securityDir, nil
		}
		return "", fmt.Errorf("a file from %s, which is neither the mirror %s nor its security archive", root, m.URL)
	}
	for _, s := range ix.Sources {
		dir, err := dirOf(s.Root)
		if err != nil {
			return err
		}
		if err := add(entry{File: File{Path: dir + "/" + s.Path}, file: s.File, data: s.Data}); err != nil {
			return err
		}
	}
	var pkgs []*debian.Package
	for _, k := range mc.Kernels {
		p, err := kernel.ResolvePackage(ix, k, mc.Arch)
		if err != nil {
			return err
		}
		pkgs = append(pkgs, p)
	}
	programs, err := ix.Closure(userland.Packages, mc.Arch)
	if err != nil {
		return fmt.Errorf("the guest's programs: %w", err)
	}
	for _, p := range append(pkgs, programs...) {
		file, err := a.Deb(ctx, p)
		if err != nil {
			return err
		}
		dir, err := dirOf(p.Archive)
		if err != nil {
			return err
		}
		// Its size and digest are the index's, which Deb checked the file against: no need to read it again.
		if err := add(entry{File: File{Path: dir + "/" + p.Filename, Size: p.Size, SHA256: p.SHA256}, file: file}); err != nil {
			return err
		}
	}
	return nil
}

// digest fills in the entry's size and SHA256, unless it knows them (a .deb, from its signed index).
func (e *entry) digest() error {
	if e.SHA256 != "" {
		return nil
	}
	h := sha256.New()
	if e.file == "" {
		h.Write(e.data)
		e.Size = int64(len(e.data))
	} else {
		f, err := os.Open(e.file)
		if err != nil {
			return err
		}
		defer f.Close()
		if e.Size, err = io.Copy(h, f); err != nil {
			return err
		}
	}
	e.SHA256 = hex.EncodeToString(h.Sum(nil))
	return nil
}

// writeTar writes the manifest, then every entry, checking each file is still what was digested.
func writeTar(w io.Writer, man *Manifest, entries []entry) error {
	tw := tar.NewWriter(w)
	data, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return err
	}
	if err := writeEntry(tw, manifestName, 0o644, int64(len(data)), bytes.NewReader(data)); err != nil {
		return err
	}
	for _, e := range entries {
		if err := writeFileEntry(tw, e); err != nil {
			return err
		}
	}
	return tw.Close()
}

// writeFileEntry writes one entry, checking that it is still what was digested.
func writeFileEntry(tw *tar.Writer, e entry) error {
	var r io.Reader = bytes.NewReader(e.data)
	if e.file != "" {
		f, err := os.Open(e.file)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	h := sha256.New()
	if err := writeEntry(tw, e.Path, int64(e.mode()), e.Size, io.TeeReader(r, h)); err != nil {
		return err
	}
	if hex.EncodeToString(h.Sum(nil)) != e.SHA256 {
		return fmt.Errorf("%s changed while the bundle was written: make it again", e.file)
	}
	return nil
}

func writeEntry(tw *tar.Writer, name string, mode, size int64, r io.Reader) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: size, Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
		return err
	}
	n, err := io.Copy(tw, r)
	if err == nil && n != size {
		err = fmt.Errorf("%s: %d bytes, expected %d", name, n, size)
	}
	return err
}

// writeAtomically writes dest through a temporary file beside it, renamed into place once complete.
func writeAtomically(dest string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	bw := bufio.NewWriterSize(f, 1<<20)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return errors.Join(fmt.Errorf("writing %s", dest), err)
	}
	return os.Rename(f.Name(), dest)
}
