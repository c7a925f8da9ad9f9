package debian

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// A Tree is where an Unpacker writes packages' entries: a folder (DirTree), or an image built in memory
// and written once whole. Names are clean, slash-separated and relative to the tree's root, checked by
// the Unpacker before a Tree sees them.
type Tree interface {
	// Dir makes a folder, with its parents, or sets the mode of the one there.
	Dir(name string, mode fs.FileMode) error
	// File writes a regular file of size bytes read from r, replacing one there.
	File(name string, r io.Reader, size int64, perm fs.FileMode) error
	// Symlink makes name a symbolic link to target, replacing one there.
	Symlink(target, name string) error
	// Link gives the regular file at existing a second name.
	Link(existing, name string) error
}

// DirTree is a Tree in the folder at its path.
type DirTree string

func (d DirTree) path(name string) string { return filepath.Join(string(d), filepath.FromSlash(name)) }

func (d DirTree) parent(name string) error { return os.MkdirAll(filepath.Dir(d.path(name)), 0o755) }

func (d DirTree) Dir(name string, mode fs.FileMode) error {
	p := d.path(name)
	if err := os.MkdirAll(p, 0o755); err != nil {
		return err
	}
	return os.Chmod(p, mode)
}

func (d DirTree) File(name string, r io.Reader, size int64, perm fs.FileMode) error {
	if err := d.parent(name); err != nil {
		return err
	}
	p := d.path(name)
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	out, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm|0o600)
	if err != nil {
		return err
	}
	_, err = io.CopyN(out, r, size)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("entry %s: %w", name, err)
	}
	return nil
}

func (d DirTree) Symlink(target, name string) error {
	if err := d.parent(name); err != nil {
		return err
	}
	p := d.path(name)
	if st, err := os.Lstat(p); err == nil && st.Mode()&fs.ModeSymlink != 0 {
		os.Remove(p) // another package made the same link: the later one wins, as with dpkg
	}
	return os.Symlink(target, p)
}

func (d DirTree) Link(existing, name string) error {
	if err := d.parent(name); err != nil {
		return err
	}
	return os.Link(d.path(existing), d.path(name))
}
