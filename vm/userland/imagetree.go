package userland

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"

	"github.com/erofs/go-erofs"
)

// imageTree is a debian.Tree kept in memory, its files' data in a spool file, and written once whole as
// an EROFS image: the guest's userland as a read-only disk, which a host whose qemu shares no folder
// (Windows) can give it, and which holds Linux's modes and links whatever the host's filesystem is.
type imageTree struct {
	spool *os.File
	end   int64 // the spool's size
	nodes map[string]*imageNode
}

// imageNode is one entry: a folder, a regular file (its data in the spool) or a symbolic link.
type imageNode struct {
	mode      fs.FileMode // type and permission bits
	target    string      // a link's
	off, size int64       // a file's data in the spool
}

// newImageTree starts an image whose data spools in a file in dir, removed by close.
func newImageTree(dir string) (*imageTree, error) {
	spool, err := os.CreateTemp(dir, ".spool-")
	if err != nil {
		return nil, err
	}
	return &imageTree{spool: spool, nodes: map[string]*imageNode{".": {mode: fs.ModeDir | 0o755}}}, nil
}

// parents makes the folders name goes in, refusing one where a file or link is.
func (t *imageTree) parents(name string) error {
	d := path.Dir(name)
	if n, ok := t.nodes[d]; ok {
		if !n.mode.IsDir() {
			return fmt.Errorf("%s: its folder %s is a file or a link in the image", name, d)
		}
		return nil
	}
	if err := t.parents(d); err != nil {
		return err
	}
	t.nodes[d] = &imageNode{mode: fs.ModeDir | 0o755}
	return nil
}

func (t *imageTree) Dir(name string, mode fs.FileMode) error {
	n := t.nodes[name]
	switch {
	case n != nil && !n.mode.IsDir():
		return fmt.Errorf("%s: a folder where the image has a file or a link", name)
	case n == nil:
		if err := t.parents(name); err != nil {
			return err
		}
		n = &imageNode{}
		t.nodes[name] = n
	}
	n.mode = fs.ModeDir | mode&(fs.ModePerm|fs.ModeSticky|fs.ModeSetgid)
	return nil
}

// replaceable tells whether name may be (re)made as a file or a link: nothing is there, or no folder.
func (t *imageTree) replaceable(name string) error {
	if n, ok := t.nodes[name]; ok && n.mode.IsDir() {
		return fmt.Errorf("%s: a file or a link where the image has a folder", name)
	}
	return t.parents(name)
}

func (t *imageTree) File(name string, r io.Reader, size int64, perm fs.FileMode) error {
	if err := t.replaceable(name); err != nil {
		return err
	}
	n, err := io.CopyN(t.spool, r, size)
	t.end += n
	if err != nil {
		return fmt.Errorf("entry %s: %w", name, err)
	}
	t.nodes[name] = &imageNode{mode: perm & fs.ModePerm, off: t.end - size, size: size}
	return nil
}

func (t *imageTree) Symlink(target, name string) error {
	if err := t.replaceable(name); err != nil {
		return err
	}
	t.nodes[name] = &imageNode{mode: fs.ModeSymlink | 0o777, target: target}
	return nil
}

func (t *imageTree) Link(existing, name string) error {
	n, ok := t.nodes[existing]
	if !ok || !n.mode.IsRegular() {
		return fmt.Errorf("hard link %s to %s: expected a regular file there", name, existing)
	}
	if err := t.replaceable(name); err != nil {
		return err
	}
	copied := *n // its own inode in the image, with the same data: EROFS keeps no hard link apart
	t.nodes[name] = &copied
	return nil
}

// fill writes every entry into the image w: each owned by root.
func (t *imageTree) fill(w *erofs.Writer) error {
	names := make([]string, 0, len(t.nodes))
	for name := range t.nodes {
		names = append(names, name)
	}
	sort.Strings(names) // a folder before what it holds
	for _, name := range names {
		n, p := t.nodes[name], "/"+name
		var err error
		switch {
		case n.mode.IsDir():
			if name == "." {
				p = "/"
			}
			err = w.Mkdir(p, n.mode.Perm())
		case n.mode&fs.ModeSymlink != 0:
			err = w.Symlink(n.target, p)
		default:
			var f *erofs.File
			if f, err = w.Create(p); err == nil {
				_, err = io.Copy(f, io.NewSectionReader(t.spool, n.off, n.size))
				err = errors.Join(err, f.Close())
			}
		}
		if err == nil && n.mode&fs.ModeSymlink == 0 {
			err = w.Chmod(p, n.mode)
		}
		if err != nil {
			return fmt.Errorf("the userland's image: %s: %w", name, err)
		}
	}
	return nil
}

// close removes the spool; once closed, the tree is gone.
func (t *imageTree) close() {
	if t.spool != nil {
		t.spool.Close()
		os.Remove(t.spool.Name())
		t.spool = nil
	}
}
