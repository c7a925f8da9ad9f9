package userland

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/lvslab/lvslab/internal/dirsize"
	"github.com/lvslab/lvslab/internal/symlink"
)

// CachedImage is a userland in the cache.
type CachedImage struct {
	Dir      string
	Links    []string // the names it is current for (<suite>-<arch>-<list>)
	Packages int      // how many packages its manifest lists; 0 if unfinished
	Bytes    int64
}

// listHash names the package list: an image built for another list is another image.
func listHash() string {
	sum := sha256.Sum256([]byte(strings.Join(Packages, " ") + "\x00" + diskFile)) // an image with its disk is a new image
	return fmt.Sprintf("%x", sum[:4])
}

// Images lists the userlands in the cache.
func Images(cache string) ([]CachedImage, error) {
	root := filepath.Join(cache, "userland")
	entries, err := os.ReadDir(root)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	links := map[string][]string{}
	for _, e := range entries {
		if symlink.Is(root, e) {
			if target, err := symlink.Read(root, e.Name()); err == nil {
				links[target] = append(links[target], e.Name())
			}
		}
	}
	var out []CachedImage
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		img := CachedImage{Dir: filepath.Join(root, e.Name()), Links: links[e.Name()], Bytes: dirsize.Bytes(filepath.Join(root, e.Name()))}
		if data, err := os.ReadFile(filepath.Join(img.Dir, manifestFile)); err == nil && len(data) < 1<<20 {
			img.Packages = strings.Count(string(data), "\n")
		}
		out = append(out, img)
	}
	return out, nil
}

// Prune removes, under the userland's lock, every image no current link names (built for an older list
// of packages, or replaced), links of older lists, and what builds that died left. It returns what it
// removed.
func Prune(ctx context.Context, cache string) ([]string, error) {
	root := filepath.Join(cache, "userland")
	if _, err := os.Stat(root); os.IsNotExist(err) {
		return nil, nil
	}
	lock, err := lockRoot(ctx, root)
	if err != nil {
		return nil, err
	}
	defer lock.Release(false)
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	current := map[string]bool{}
	var removed []string
	for _, e := range entries {
		path := filepath.Join(root, e.Name())
		switch {
		case e.Name() == ".lock":
		case strings.HasPrefix(e.Name(), ".tmp-"):
			removed = append(removed, path)
		case symlink.Is(root, e):
			target, err := symlink.Read(root, e.Name())
			if err == nil && strings.HasSuffix(e.Name(), "-"+listHash()) && !strings.ContainsRune(target, '/') {
				current[target] = true
			} else {
				removed = append(removed, path)
			}
		}
	}
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") && !current[e.Name()] {
			removed = append(removed, filepath.Join(root, e.Name()))
		}
	}
	for _, p := range removed {
		if err := os.RemoveAll(p); err != nil {
			return nil, err
		}
	}
	return removed, nil
}
