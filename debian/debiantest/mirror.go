// Package debiantest serves a Debian archive of its own, signed with a key made for the test, so that
// fetching, verifying and refusing can be tested without the network.
package debiantest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/ulikunitz/xz"
)

// Mirror is an archive on disk: Dir/debian and Dir/debian-security, each with dists/ and pool/.
type Mirror struct {
	Dir  string
	Keys openpgp.EntityList // the public key the archive is signed with
	key  *openpgp.Entity
	// ValidUntil, when set, goes into each InRelease.
	ValidUntil time.Time
	// ByHash publishes each index under by-hash/SHA256/ too, and says so (Acquire-By-Hash: yes).
	ByHash bool
	debs   map[string][]string // "<archive>/<suite>/<arch>" → Packages paragraphs
}

// Deb is a package to publish.
type Deb struct {
	Name, Version, Arch, Depends string
	Body                         []byte
}

// NewMirror makes an empty archive in a temporary folder, with a fresh signing key.
func NewMirror(t *testing.T) *Mirror {
	t.Helper()
	cfg := &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA}
	key, err := openpgp.NewEntity("lvslab test archive", "", "test@lvslab.invalid", cfg)
	if err != nil {
		t.Fatal(err)
	}
	var pub bytes.Buffer
	if err := key.Serialize(&pub); err != nil {
		t.Fatal(err)
	}
	keys, err := openpgp.ReadKeyRing(&pub)
	if err != nil {
		t.Fatal(err)
	}
	return &Mirror{Dir: t.TempDir(), Keys: keys, key: key, debs: map[string][]string{}}
}

// Add puts d into the pool of archive ("debian" or "debian-security") and the index of suite.
func (m *Mirror) Add(t *testing.T, archive, suite string, d Deb) {
	t.Helper()
	pool := fmt.Sprintf("pool/main/%c/%s/%s_%s_%s.deb", d.Name[0], d.Name, d.Name, d.Version, d.Arch)
	m.write(t, filepath.Join(archive, pool), d.Body)
	sum := sha256.Sum256(d.Body)
	p := fmt.Sprintf("Package: %s\nVersion: %s\nArchitecture: %s\n", d.Name, d.Version, d.Arch)
	if d.Depends != "" {
		p += "Depends: " + d.Depends + "\n"
	}
	p += fmt.Sprintf("Description: test package\n with a continuation line\nFilename: %s\nSize: %d\nSHA256: %s\n", pool, len(d.Body), hex.EncodeToString(sum[:]))
	k := archive + "/" + suite + "/" + d.Arch
	m.debs[k] = append(m.debs[k], p)
}

// Publish writes each suite's Packages.xz and its signed InRelease.
func (m *Mirror) Publish(t *testing.T) {
	t.Helper()
	suites := map[string][]string{} // "<archive>/<suite>" → arches
	for k := range m.debs {
		i := strings.LastIndexByte(k, '/')
		suites[k[:i]] = append(suites[k[:i]], k[i+1:])
	}
	for as, arches := range suites {
		archive, suite, _ := strings.Cut(as, "/")
		sort.Strings(arches)
		var sums strings.Builder
		for _, arch := range arches {
			var z bytes.Buffer
			w, err := xz.NewWriter(&z)
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte(strings.Join(m.debs[as+"/"+arch], "\n")))
			w.Close()
			path := "main/binary-" + arch + "/Packages.xz"
			m.write(t, filepath.Join(archive, "dists", suite, path), z.Bytes())
			sum := sha256.Sum256(z.Bytes())
			fmt.Fprintf(&sums, " %x %d %s\n", sum, z.Len(), path)
			if m.ByHash {
				m.write(t, filepath.Join(archive, "dists", suite, "main/binary-"+arch, fmt.Sprintf("by-hash/SHA256/%x", sum)), z.Bytes())
			}
		}
		release := fmt.Sprintf("Origin: Debian\nSuite: %s\nCodename: %s\nDate: %s\n", suite, suite, time.Now().UTC().Format(time.RFC1123))
		if m.ByHash {
			release += "Acquire-By-Hash: yes\n"
		}
		if !m.ValidUntil.IsZero() {
			release += "Valid-Until: " + m.ValidUntil.UTC().Format(time.RFC1123) + "\n"
		}
		release += "SHA256:\n" + sums.String()
		m.write(t, filepath.Join(archive, "dists", suite, "InRelease"), m.Sign(t, release))
	}
}

// Sign clearsigns text with the mirror's key.
func (m *Mirror) Sign(t *testing.T, text string) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := clearsign.Encode(&out, m.key.PrivateKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(text))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// Serve serves the archive over HTTP until the test ends, and returns the main archive's root URL
// (…/debian; its security archive is …/debian-security).
func (m *Mirror) Serve(t *testing.T) string {
	srv := httptest.NewServer(http.FileServer(http.Dir(m.Dir)))
	t.Cleanup(srv.Close)
	return srv.URL + "/debian"
}

// Path is a file of the archive on disk, e.g. Path("debian", "dists/bookworm/InRelease").
func (m *Mirror) Path(archive, rel string) string { return filepath.Join(m.Dir, archive, rel) }

func (m *Mirror) write(t *testing.T, rel string, data []byte) {
	t.Helper()
	path := filepath.Join(m.Dir, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
