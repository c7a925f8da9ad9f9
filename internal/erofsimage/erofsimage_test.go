package erofsimage

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/erofs/go-erofs"
)

// An image is written whole, read back as written, with nothing beside it; a failed fill leaves nothing.
func TestWriteThenOpen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "root.erofs")
	err := Write(path, ".tmp-", func(w *erofs.Writer) error {
		f, err := w.Create("/usr/sbin/ipvsadm")
		if err != nil {
			return err
		}
		f.Write([]byte("ipvsadm"))
		return errors.Join(f.Close(), w.Symlink("usr/sbin", "/sbin"))
	})
	if err != nil {
		t.Fatal(err)
	}
	img, c, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if data, err := fs.ReadFile(img, "sbin/ipvsadm"); err != nil || string(data) != "ipvsadm" {
		t.Errorf("the image's sbin/ipvsadm: %q, %v", data, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d entries beside the image; want it alone", len(entries))
	}
	failed := filepath.Join(dir, "failed.erofs")
	if err := Write(failed, ".tmp-", func(*erofs.Writer) error { return errors.New("no") }); err == nil {
		t.Error("a failed fill wrote an image")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d entries after a failed write; want the first image alone", len(entries))
	}
	if _, _, err := Open(filepath.Join(dir, "..", filepath.Base(dir))); err == nil {
		t.Error("a folder opened as an image")
	}
}
