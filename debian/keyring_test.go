package debian

import (
	"context"
	"fmt"
	"os"
	"sort"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
)

func fingerprints(keys openpgp.EntityList) []string {
	var out []string
	for _, k := range keys {
		out = append(out, fmt.Sprintf("%X", k.PrimaryKey.Fingerprint))
	}
	sort.Strings(out)
	return out
}

// The keys lvslab carries are the ones Debian's debian-archive-keyring package installs, where it is.
func TestArchiveKeysMatchTheHostsKeyring(t *testing.T) {
	ours, err := ArchiveKeys()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("/usr/share/keyrings/debian-archive-keyring.gpg")
	if err != nil {
		t.Skipf("no debian-archive-keyring on this host: %v", err)
	}
	defer f.Close()
	host, err := openpgp.ReadKeyRing(f)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fingerprints(ours), fingerprints(host); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("lvslab's Debian archive keys:\n%v\nthe host's debian-archive-keyring:\n%v", got, want)
	}
}

// One fetch from the real archive: the mirror apt uses here (or $LVSLAB_DEBIAN_MIRROR), its InRelease
// verified with the keys lvslab carries, and a small package fetched and checked.
func TestRealArchiveVerifiesWithDebiansKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("fetches from the network")
	}
	m, err := FindMirror("")
	if err != nil {
		t.Fatal(err)
	}
	a := &Archive{Mirror: m, Suite: "bookworm", Arch: "amd64", Cache: t.TempDir()}
	ix, err := a.Index(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p := ix.Newest("ipvsadm", "amd64")
	if p == nil || ix.Len() < 10000 {
		t.Fatalf("bookworm's index of %d packages holds no ipvsadm", ix.Len())
	}
	path, err := a.Deb(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Size() != p.Size {
		t.Errorf("%s: %v, want %d bytes", path, err, p.Size)
	}
	// The other release and architecture lvslab boots: trixie's InRelease is signed by its own keys, and
	// both indexes hold Debian's kernel metapackage.
	for _, c := range []struct{ suite, arch, kernel string }{{"trixie", "amd64", "linux-image-amd64"}, {"bookworm", "arm64", "linux-image-arm64"}} {
		a := &Archive{Mirror: m, Suite: c.suite, Arch: c.arch, Cache: a.Cache}
		ix, err := a.Index(context.Background())
		if err != nil {
			t.Fatalf("%s %s: %v", c.suite, c.arch, err)
		}
		if ix.Newest(c.kernel, c.arch) == nil {
			t.Errorf("%s %s: no %s among %d packages", c.suite, c.arch, c.kernel, ix.Len())
		}
	}
}
