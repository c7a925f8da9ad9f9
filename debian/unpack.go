package debian

import (
	"archive/tar"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Bounds on a .deb, which comes from a mirror: checked before anything is allocated or written.
const (
	maxDebUnpacked = 4 << 30 // what data.tar may unpack to: a kernel package is about 500 MB
	maxDebEntries  = 100000  // files, directories and links in data.tar: a kernel package has about 6,000
	// maxSharedFile bounds a file held in memory to be written into several trees: a userland's largest
	// are a few megabytes.
	maxSharedFile = 256 << 20
)

// Unpack writes the files of the Debian package at path (its data.tar, compressed with xz, zstd or
// gzip) under dest, as dpkg-deb -x does, but reading the package as untrusted data: every name must stay
// under dest (no absolute name, no .., nothing written through a symbolic link the package made), a hard
// link may only name a file the package wrote before it, and what it unpacks is bounded.
func Unpack(path, dest string) error { return (&Unpacker{Into: []Tree{DirTree(dest)}}).Unpack(path) }

// Unpacker writes the files of several packages into its trees, as Unpack writes one into a folder: what
// one package made (links included) binds the next, and the bounds hold for all of them together.
type Unpacker struct {
	Into []Tree // each gets every entry
	// MergedUsr puts what a package ships in /bin, /sbin and /lib* in /usr's, as Debian's merged-/usr
	// systems hold them; Dest's bin, sbin and lib* are then links into usr/, which lvslab makes.
	MergedUsr bool
	w         *debWriter
}

// Has tells whether a package unpacked so far made name (clean, relative to the trees' root): a file or a
// link.
func (u *Unpacker) Has(name string) bool { return u.w != nil && (u.w.files[name] || u.w.links[name]) }

// Unpack writes the files of the package at path.
func (u *Unpacker) Unpack(path string) error {
	if u.w == nil {
		u.w = &debWriter{into: u.Into, links: map[string]bool{}, files: map[string]bool{}, mergedUsr: u.MergedUsr}
		if u.MergedUsr {
			if err := u.w.usrLinks(); err != nil {
				return err
			}
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	data, name, err := debData(bufio.NewReader(f))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	r, closeData, err := debDecompress(data, name)
	if err != nil {
		return fmt.Errorf("%s: %s: %w", path, name, err)
	}
	defer closeData()
	if err := u.w.unpack(tar.NewReader(r)); err != nil {
		return fmt.Errorf("%s: %s: %w", path, name, err)
	}
	return nil
}

// debData finds the data.tar member of an ar archive (a .deb: debian-binary, control.tar.*, data.tar.*)
// and returns a reader of it and its name.
func debData(r io.Reader) (io.Reader, string, error) {
	var magic [8]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil || string(magic[:]) != "!<arch>\n" {
		return nil, "", errors.New("not a Debian package: expected an ar archive")
	}
	for first := true; ; first = false {
		var hdr [60]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return nil, "", fmt.Errorf("no data.tar member: %w", err)
		}
		if string(hdr[58:60]) != "`\n" {
			return nil, "", errors.New("an ar member header without its end marker: the package is damaged")
		}
		name := strings.TrimSuffix(strings.TrimSpace(string(hdr[0:16])), "/")
		size, err := strconv.ParseInt(strings.TrimSpace(string(hdr[48:58])), 10, 64)
		if err != nil || size < 0 {
			return nil, "", fmt.Errorf("ar member %q: size %q is not a number", name, hdr[48:58])
		}
		if first && name != "debian-binary" {
			return nil, "", fmt.Errorf("first member %q: expected debian-binary", name)
		}
		if strings.HasPrefix(name, "data.tar") {
			return io.LimitReader(r, size), name, nil
		}
		if _, err := io.CopyN(io.Discard, r, size+size%2); err != nil { // members are padded to an even size
			return nil, "", fmt.Errorf("ar member %q cut short: %w", name, err)
		}
	}
}

// debDecompress reads data.tar as its name says it is compressed.
func debDecompress(r io.Reader, name string) (io.Reader, func(), error) {
	var open func(io.Reader) (io.Reader, error)
	switch filepath.Ext(name) {
	case ".xz":
		open = XZStream
	case ".zst":
		open = ZstdStream
	case ".gz":
		open = GzipStream
	case ".tar":
		return r, func() {}, nil
	default:
		return nil, nil, errors.New("expected data.tar compressed with xz, zstd or gzip")
	}
	z, err := open(r)
	if err != nil {
		return nil, nil, err
	}
	return z, func() {
		if c, ok := z.(io.Closer); ok {
			c.Close()
		}
	}, nil
}

// debWriter writes packages' entries into its trees, remembering the links and files it made.
type debWriter struct {
	into      []Tree
	links     map[string]bool // symbolic links made, by clean relative name: nothing is written through one
	files     map[string]bool // regular files written, the only targets a hard link may have
	mergedUsr bool
	written   int64
	nEntries  int
}

// usrDirs are the top-level folders a merged-/usr system keeps in /usr.
var usrDirs = []string{"bin", "sbin", "lib", "lib32", "lib64", "libx32"}

// isUsrDir tells whether an entry's name is one of the top-level folders kept in /usr.
func isUsrDir(name string) bool {
	return slices.Contains(usrDirs, path.Clean(strings.TrimPrefix(name, "./")))
}

// usrLinks makes the trees' bin, sbin and lib* links into usr/, as a merged-/usr system has them.
func (w *debWriter) usrLinks() error {
	for _, d := range usrDirs {
		for _, t := range w.into {
			if err := t.Dir("usr/"+d, 0o755); err != nil {
				return err
			}
			if err := t.Symlink("usr/"+d, d); err != nil && !errors.Is(err, os.ErrExist) {
				return err
			}
		}
	}
	return nil
}

// each does op on every tree, stopping at the first error.
func (w *debWriter) each(op func(Tree) error) error {
	for _, t := range w.into {
		if err := op(t); err != nil {
			return err
		}
	}
	return nil
}

func (w *debWriter) unpack(tr *tar.Reader) error {
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if w.nEntries++; w.nEntries > maxDebEntries {
			return fmt.Errorf("more than %d entries", maxDebEntries)
		}
		if w.mergedUsr && h.Typeflag == tar.TypeSymlink && isUsrDir(h.Name) {
			continue // a package making the merged-/usr links (trixie's base-files): Unpacker made them
		}
		rel, err := w.name(h.Name)
		if err != nil {
			return err
		}
		if rel == "." {
			continue
		}
		if w.links[rel] && h.Typeflag != tar.TypeSymlink {
			return fmt.Errorf("entry %q would replace the symbolic link a package made there", h.Name)
		}
		mode := os.FileMode(h.Mode) & 0o777
		switch h.Typeflag {
		case tar.TypeDir:
			err = w.each(func(t Tree) error { return t.Dir(rel, mode|0o700) })
		case tar.TypeReg:
			err = w.file(tr, rel, h.Size, mode)
		case tar.TypeSymlink:
			// another package may have made the same link: the later one wins, as with dpkg
			err = w.each(func(t Tree) error { return t.Symlink(h.Linkname, rel) })
			w.links[rel] = true
		case tar.TypeLink:
			var from string
			if from, err = w.name(h.Linkname); err == nil && !w.files[from] {
				err = fmt.Errorf("hard link %s to %s, which the package has not written", h.Name, h.Linkname)
			}
			if err == nil {
				err = w.each(func(t Tree) error { return t.Link(from, rel) })
			}
		default:
			err = fmt.Errorf("entry %s of type %q: expected files, directories and links", h.Name, h.Typeflag)
		}
		if err != nil {
			return err
		}
	}
}

// name is an entry's name relative to dest, refused when it would leave dest: absolute, with .., or
// under a symbolic link the package made.
func (w *debWriter) name(n string) (string, error) {
	rel := path.Clean(strings.TrimPrefix(n, "./"))
	if path.IsAbs(rel) || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("entry %q: expected a name inside the package", n)
	}
	if w.mergedUsr {
		top, _, _ := strings.Cut(rel, "/")
		for _, d := range usrDirs {
			if top == d {
				rel = "usr/" + rel
			}
		}
	}
	for d := path.Dir(rel); d != "."; d = path.Dir(d) {
		if w.links[d] {
			return "", fmt.Errorf("entry %q lies under the symbolic link %s: refused, it could point anywhere", n, d)
		}
	}
	return rel, nil
}

// file writes a regular file of size bytes, within the package's budget, into each tree (from memory when
// there are several: a package's files are megabytes at most, and the budget bounds them).
func (w *debWriter) file(r io.Reader, rel string, size int64, mode os.FileMode) error {
	if size < 0 || w.written+size > maxDebUnpacked {
		return fmt.Errorf("entry %s of %d bytes takes the package past %d bytes unpacked", rel, size, int64(maxDebUnpacked))
	}
	src := func() io.Reader { return r }
	if len(w.into) > 1 {
		if size > maxSharedFile {
			return fmt.Errorf("entry %s of %d bytes: expected at most %d for a file written into several trees", rel, size, maxSharedFile)
		}
		data := make([]byte, size)
		if _, err := io.ReadFull(r, data); err != nil {
			return fmt.Errorf("entry %s: %w", rel, err)
		}
		src = func() io.Reader { return bytes.NewReader(data) }
	}
	// another package may have shipped the same file: the later one wins, as with dpkg
	if err := w.each(func(t Tree) error { return t.File(rel, src(), size, mode) }); err != nil {
		return err
	}
	w.written += size
	w.files[rel] = true
	return nil
}
