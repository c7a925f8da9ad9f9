// Package erofsimage writes and opens the EROFS images the microVM gets as read-only disks: the guest's
// userland, and a kernel's module tree where the host shares no folder.
package erofsimage

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/erofs/go-erofs"
)

// Write writes the image fill makes to path, whole or not at all: into a temporary file beside it, synced,
// then renamed. Every entry is dated at the epoch, so that the same content makes the same image.
// Temporaries are named tmpPrefix…, for a cache's clean-up of dead runs.
func Write(path, tmpPrefix string, fill func(*erofs.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, tmpPrefix+"image-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	// go-erofs spools in a file it removes while open, which Windows refuses: a folder of its own, removed
	// after, so that nothing is left beside the image either way.
	spool, err := os.MkdirTemp(dir, tmpPrefix+"spool-")
	if err != nil {
		tmp.Close()
		return err
	}
	defer os.RemoveAll(spool)
	w := erofs.Create(tmp, erofs.WithBuildTime(0, 0), erofs.WithTempDir(spool))
	err = fill(w)
	if err == nil {
		err = w.Close()
	}
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if err = errors.Join(err, tmp.Close()); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Open opens the image at path as a filesystem; closing the closer lets it go.
func Open(path string) (fs.FS, io.Closer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	img, err := erofs.Open(f)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: not an EROFS image: %w", path, err)
	}
	return img, f, nil
}
