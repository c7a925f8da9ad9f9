package debian

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// CachedDeb is a .deb an Archive keeps in its cache, as its name says it is.
type CachedDeb struct {
	Path                        string
	Name, Version, Architecture string // Version as in the file name: ":" written %3a
	SHA256                      string
	Size                        int64
}

// CachedDebs lists the .debs in the cache folder of an Archive (its Cache). Files whose names are not
// what Deb writes are listed with only Path and Size, for the caller to show or remove.
func CachedDebs(cache string) ([]CachedDeb, error) {
	entries, err := os.ReadDir(filepath.Join(cache, "debs"))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var debs []CachedDeb
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		d := CachedDeb{Path: filepath.Join(cache, "debs", e.Name()), Size: info.Size()}
		if stem, ok := strings.CutSuffix(e.Name(), ".deb"); ok {
			i := strings.LastIndexByte(stem, '.')
			key, sum := stem[:max(i, 0)], stem[i+1:]
			if parts := strings.Split(key, "_"); len(parts) == 3 && isSHA256(sum) {
				d.Name, d.Version, d.Architecture, d.SHA256 = parts[0], parts[1], parts[2], sum
			}
		}
		debs = append(debs, d)
	}
	return debs, nil
}

// Check reads the file again and says whether it still has the digest its name gives.
func (d CachedDeb) Check() error {
	if d.SHA256 == "" {
		return fmt.Errorf("%s: expected a name <package>_<version>_<arch>.<sha256>.deb, as lvslab writes", d.Path)
	}
	f, err := os.Open(d.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("%s: %w", d.Path, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != d.SHA256 {
		return fmt.Errorf("%s: SHA256 %s, expected %s (its signed index's, in its name): it changed since it was fetched; prune the cache and fetch it again", d.Path, got, d.SHA256)
	}
	return nil
}

// CachedIndexes lists the verified Packages indexes an Archive keeps, and leftovers of fetches that
// died; all of them can go: the next fetch verifies and fetches what it needs again.
func CachedIndexes(cache string) []string {
	var out []string
	for _, pattern := range []string{"indexes/*", "debs/.tmp-*"} {
		found, _ := filepath.Glob(filepath.Join(cache, pattern))
		out = append(out, found...)
	}
	return out
}
