package bundle

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// tarOf writes a bundle of the manifest (its files' digests made from content unless given) and then the
// entries, as they are.
func tarOf(t *testing.T, man *Manifest, entries map[string]string, order []string) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	data, _ := json.Marshal(man)
	tw.WriteHeader(&tar.Header{Name: manifestName, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg})
	tw.Write(data)
	for _, name := range order {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(entries[name])), Typeflag: tar.TypeReg})
		tw.Write([]byte(entries[name]))
	}
	tw.Close()
	return b.Bytes()
}

func digest(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func manifestOf(files map[string]string) *Manifest {
	m := &Manifest{Format: Format, Created: time.Now().UTC(), Suite: "bookworm", Machines: []Machine{{Arch: "amd64", Kernels: []string{"linux-image-amd64"}}}}
	for name, content := range files {
		m.Files = append(m.Files, File{Path: name, Size: int64(len(content)), SHA256: digest(content)})
	}
	return m
}

// A bundle is read as untrusted data: its manifest first and checked, then only the files it lists, each
// with the size and digest it gives.
func TestExtractRefusesWhatTheManifestDoesNotVouchFor(t *testing.T) {
	files := map[string]string{"debian/dists/bookworm/InRelease": "signed", "debian/pool/main/a/a_1_amd64.deb": "a deb"}
	names := []string{"debian/dists/bookworm/InRelease", "debian/pool/main/a/a_1_amd64.deb"}
	good := manifestOf(files)
	if _, err := extract(bytes.NewReader(tarOf(t, good, files, names)), t.TempDir()); err != nil {
		t.Fatalf("a good bundle: %v", err)
	}
	altered := map[string]string{names[0]: "signed", names[1]: "a dex"}
	for _, c := range []struct {
		name string
		man  *Manifest
		ents map[string]string
		ord  []string
		want string
	}{
		{"an altered file", good, altered, names, "the bundle is damaged or altered"},
		{"a file cut short", good, files, names[:1], "the bundle is cut short"},
		{"a file the manifest does not list", good, map[string]string{names[0]: "signed", names[1]: "a deb", "bin/x": "x"}, append(names, "bin/x"), "bin/x: not in the manifest"},
		{"a path out of the bundle", manifestOf(map[string]string{"debian/../../etc/passwd": "x"}), map[string]string{}, nil, "expected a path under"},
		{"a path at the top", manifestOf(map[string]string{"debian": "x"}), map[string]string{}, nil, "expected a path under"},
		{"another format", &Manifest{Format: 2}, nil, nil, "this lvslab reads bundles of format 1"},
		{"a kernel of another architecture", &Manifest{Format: Format, Suite: "bookworm", Machines: []Machine{{Arch: "amd64", Kernels: []string{"linux-image-arm64"}}}, Files: good.Files}, nil, nil, "expected a Debian kernel package for amd64"},
	} {
		_, err := extract(bytes.NewReader(tarOf(t, c.man, c.ents, c.ord)), t.TempDir())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := extract(strings.NewReader("not a tar"), t.TempDir()); err == nil || !strings.Contains(err.Error(), "not an lvslab bundle") {
		t.Errorf("not a bundle: got %v", err)
	}
}
