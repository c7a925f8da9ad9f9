// Package bundle writes and reads lvslab's offline bundle: the microVM's kernels and guest programs as
// the Debian archive signed them (each suite's InRelease, the Packages indexes it lists, the .debs), and
// lvslab's own binaries, in one tar file for a room with no network. Importing one checks every file
// against the bundle's manifest, then fills the cache through the same checks a fetch makes, with the
// bundle as the mirror: Debian's signatures, the indexes' digests, the packages' digests.
package bundle

import (
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lvslab/lvslab/debian"
)

// Format is the version of the layout this lvslab writes and reads.
const Format = 1

// manifestName is the bundle's first entry.
const manifestName = "lvslab-bundle.json"

// The archive's roots in a bundle (a mirror's layout: security updates beside it), and lvslab's binaries.
const (
	archiveDir  = "debian"
	securityDir = "debian-security"
	binDir      = "bin"
)

// Bounds on what a bundle may hold, checked before anything is allocated or written.
const (
	maxManifest = 16 << 20
	maxFiles    = 20000
	maxFileSize = 2 << 30
	maxTotal    = 16 << 30
)

// Manifest says what a bundle holds and what it is for.
type Manifest struct {
	Format   int       `json:"format"`
	Created  time.Time `json:"created"`
	Suite    string    `json:"suite"`
	Mirror   string    `json:"mirror"` // where it was made from, for the record
	Machines []Machine `json:"machines"`
	Files    []File    `json:"files"`
}

// Machine is what one guest architecture boots: its kernel packages (and Debian's programs).
type Machine struct {
	Arch    string   `json:"arch"`
	Kernels []string `json:"kernels"`
}

// File is one file of a bundle, by its path in it.
type File struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

var pathChars = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+~%/-]*$`) })

// validPath tells whether p may name a file of a bundle: clean, relative, under one of its folders.
func validPath(p string) bool {
	top, rest, _ := strings.Cut(p, "/")
	return len(p) <= 512 && pathChars().MatchString(p) && path.Clean(p) == p && rest != "" &&
		!slices.Contains(strings.Split(p, "/"), "..") && slices.Contains([]string{archiveDir, securityDir, binDir}, top)
}

// mode is the permission bits f has, written and unpacked: lvslab's binaries are executables.
func (f File) mode() fs.FileMode {
	if strings.HasPrefix(f.Path, binDir+"/") {
		return 0o755
	}
	return 0o644
}

// check validates a manifest read from a bundle, as data.
func (m *Manifest) check() error {
	if m.Format != Format {
		return fmt.Errorf("format %d: this lvslab reads bundles of format %d; use the lvslab that made it, or make the bundle again", m.Format, Format)
	}
	if !slices.Contains(debian.Suites, m.Suite) {
		return fmt.Errorf("suite %q: expected one of %s", m.Suite, strings.Join(debian.Suites, ", "))
	}
	if err := m.checkMachines(); err != nil {
		return err
	}
	if m.Created.IsZero() || m.Created.After(time.Now().Add(24*time.Hour)) || m.Created.Location() != time.UTC {
		return fmt.Errorf("made %s: expected a time in UTC, not in the future", m.Created)
	}
	if len(m.Files) == 0 || len(m.Files) > maxFiles {
		return fmt.Errorf("%d files: expected 1 to %d", len(m.Files), maxFiles)
	}
	var total int64
	seen := map[string]bool{}
	for _, f := range m.Files {
		sum, err := hex.DecodeString(f.SHA256)
		switch {
		case !validPath(f.Path) || seen[f.Path]:
			return fmt.Errorf("file %q: expected a path under %s/, %s/ or %s/, named once", f.Path, archiveDir, securityDir, binDir)
		case f.Size < 0 || f.Size > maxFileSize:
			return fmt.Errorf("file %s: %d bytes, expected at most %d", f.Path, f.Size, int64(maxFileSize))
		case err != nil || len(sum) != 32 || strings.ToLower(f.SHA256) != f.SHA256:
			return fmt.Errorf("file %s: SHA256 %q, expected 64 lowercase hex digits", f.Path, f.SHA256)
		}
		seen[f.Path] = true
		if total += f.Size; total > maxTotal {
			return fmt.Errorf("the files add up to more than %d GB", int64(maxTotal)>>30)
		}
	}
	return nil
}

// checkMachines validates the architectures and kernel packages a bundle is for: each architecture once.
func (m *Manifest) checkMachines() error {
	if len(m.Machines) == 0 || len(m.Machines) > len(debian.Arches) {
		return fmt.Errorf("%d machines: expected 1 to %d", len(m.Machines), len(debian.Arches))
	}
	for i, mc := range m.Machines {
		if slices.ContainsFunc(m.Machines[:i], func(o Machine) bool { return o.Arch == mc.Arch }) {
			return fmt.Errorf("machine %s twice: expected each architecture once", mc.Arch)
		}
		if !slices.Contains(debian.Arches, mc.Arch) || len(mc.Kernels) == 0 || len(mc.Kernels) > 8 {
			return fmt.Errorf("machine %q with %d kernels: expected amd64 or arm64, with 1 to 8 kernel packages", mc.Arch, len(mc.Kernels))
		}
		for _, k := range mc.Kernels {
			if !debian.IsPackageName(k) || !strings.HasSuffix(k, "-"+mc.Arch) {
				return fmt.Errorf("kernel package %q: expected a Debian kernel package for %s", k, mc.Arch)
			}
		}
	}
	return nil
}
