package debian

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Package is one entry of a Packages index: what it takes to fetch it and to follow its dependencies.
type Package struct {
	Name, Version, Architecture string
	Depends, PreDepends         string // relationship fields as written
	Provides                    string
	Filename                    string // the .deb's path under the archive's root
	Size                        int64
	SHA256                      string
	Archive                     string // the root URL of the archive whose signed index lists it
	Index                       string // that index, under Archive: dists/<suite>/main/binary-<arch>/Packages.xz
}

// Index is the packages of one or more signed Packages indexes, by name.
type Index struct {
	byName map[string][]*Package
	// Sources are the verified files Archive.Index read it from, for a copy of the archive (a bundle).
	Sources []Source
}

// Source is one file of an archive an Index was read from: a suite's InRelease (Data, as fetched) or a
// Packages index it lists (File, its verified copy in the cache), at Path under the archive's Root.
type Source struct {
	Root, Path string
	Data       []byte
	File       string
}

// The bound of an uncompressed Packages index: Debian's main component is about 50 MB.
const maxPackages = 512 << 20

var packageFields = map[string]bool{"Package": true, "Version": true, "Architecture": true, "Depends": true,
	"Pre-Depends": true, "Provides": true, "Filename": true, "Size": true, "SHA256": true}

// AddPackages reads the Packages index at root/path into ix, validating each entry as data.
func (ix *Index) AddPackages(r io.Reader, root, path string) error {
	if ix.byName == nil {
		ix.byName = map[string][]*Package{}
	}
	lr := &io.LimitedReader{R: r, N: maxPackages + 1}
	err := ReadParagraphs(lr, func(f string) bool { return packageFields[f] }, func(p Paragraph) error {
		pkg, err := packageOf(p, root, path)
		if err != nil {
			return err
		}
		ix.byName[pkg.Name] = append(ix.byName[pkg.Name], pkg)
		return nil
	})
	if lr.N <= 0 {
		return fmt.Errorf("expected a Packages index under %d bytes, found more", maxPackages)
	}
	return err
}

func packageOf(p Paragraph, root, path string) (*Package, error) {
	pkg := &Package{Name: p["Package"], Version: p["Version"], Architecture: p["Architecture"],
		Depends: p["Depends"], PreDepends: p["Pre-Depends"], Provides: p["Provides"],
		Filename: p["Filename"], SHA256: p["SHA256"], Archive: root, Index: path}
	size, err := strconv.ParseInt(p["Size"], 10, 64)
	switch {
	case !IsPackageName(pkg.Name):
		return nil, fmt.Errorf("package %q: expected a Debian package name", pkg.Name)
	case !isVersion(pkg.Version):
		return nil, fmt.Errorf("package %s: version %q: expected a Debian version", pkg.Name, pkg.Version)
	case !isPoolPath(pkg.Filename):
		return nil, fmt.Errorf("package %s: Filename %q: expected a relative path within the archive", pkg.Name, pkg.Filename)
	case err != nil || size <= 0:
		return nil, fmt.Errorf("package %s: Size %q: expected a positive number of bytes", pkg.Name, p["Size"])
	case !isSHA256(pkg.SHA256):
		return nil, fmt.Errorf("package %s: SHA256 %q: expected 64 hexadecimal digits", pkg.Name, pkg.SHA256)
	}
	pkg.Size = size
	return pkg, nil
}

// Newest is the highest version of the package name that ix holds for arch (or "all"), nil if none.
func (ix *Index) Newest(name, arch string) *Package {
	var best *Package
	for _, p := range ix.byName[name] {
		if p.Architecture != arch && p.Architecture != "all" {
			continue
		}
		if best == nil || CompareVersions(p.Version, best.Version) > 0 {
			best = p
		}
	}
	return best
}

// Len is the number of entries in ix.
func (ix *Index) Len() int {
	n := 0
	for _, ps := range ix.byName {
		n += len(ps)
	}
	return n
}

// IsPackageName tells whether name is one Debian allows for a package (Policy 5.6.1).
func IsPackageName(name string) bool {
	if len(name) < 2 || len(name) > 128 || !isLowerAlnum(name[0]) {
		return false
	}
	for i := 1; i < len(name); i++ {
		if c := name[i]; !isLowerAlnum(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// isVersion tells whether v is made of the characters a Debian version may hold (Policy 5.6.12).
func isVersion(v string) bool {
	if v == "" || len(v) > 256 || !isDigit(v[0]) {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !isLowerAlnum(c) && !(c >= 'A' && c <= 'Z') && !strings.ContainsRune(".+-~:", rune(c)) {
			return false
		}
	}
	return true
}

// isPoolPath tells whether p is a plain relative path: no absolute path, no "..", no empty or odd part.
func isPoolPath(p string) bool {
	if p == "" || len(p) > 1024 || strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\\x00?#%") {
		return false
	}
	for _, part := range strings.Split(p, "/") {
		if part == "" || part == "." || part == ".." {
			return false
		}
	}
	return true
}

func isLowerAlnum(c byte) bool { return c >= 'a' && c <= 'z' || isDigit(c) }
