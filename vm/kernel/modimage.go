package kernel

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/erofs/go-erofs"
	"github.com/lvslab/lvslab/internal/erofsimage"
)

// modulesImageFile is the module tree as an EROFS image, in a cached kernel's folder beside boot/ and lib/.
const modulesImageFile = "modules.erofs"

// ModulesImage is k's module tree (k.Modules) as an EROFS image, for a guest that reaches no folder of
// the host (a host whose qemu has no 9p shares) to mount from a read-only disk: built once into the cache,
// beside the kernel, under the cache's lock. Only a kernel of the cache has one.
func ModulesImage(ctx context.Context, k *Kernel) (string, error) {
	dir := filepath.Dir(filepath.Dir(filepath.Dir(k.Modules))) // <dir>/lib/modules/<version>
	if k.Package == "" || filepath.Join(dir, "lib", "modules", k.Version) != k.Modules {
		return "", fmt.Errorf("kernel %s given by hand: its modules (%s) reach the guest over 9p only; use a kernel package (--kernel)", k.Version, k.Modules)
	}
	path := filepath.Join(dir, modulesImageFile)
	if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
		return path, nil
	}
	unlock, err := lockDir(ctx, filepath.Dir(dir))
	if err != nil {
		return "", err
	}
	defer unlock()
	if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() { // another lvslab built it meanwhile
		return path, nil
	}
	if err := writeModulesImage(k.Modules, path); err != nil {
		return "", fmt.Errorf("kernel %s: the image of its modules: %w", k.Version, err)
	}
	return path, nil
}

// writeModulesImage writes the tree at modules to path, whole or not at all.
func writeModulesImage(modules, path string) error {
	return erofsimage.Write(path, tmpPrefix, func(w *erofs.Writer) error { return w.CopyFrom(os.DirFS(modules)) })
}
