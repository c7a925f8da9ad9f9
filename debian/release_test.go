package debian

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
)

// testdata holds one release text clearsigned by gpg with the same RSA key twice: with SHA-256 and with
// SHA-1, a digest apt refuses and so does lvslab.
func TestInReleaseSignedWithSHA1IsRefused(t *testing.T) {
	f, err := os.Open("testdata/sha1-test-key.asc")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	keys, err := openpgp.ReadArmoredKeyRing(f)
	if err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile("testdata/InRelease-SHA256")
	if _, err := ParseInRelease(good, keys, "bookworm", time.Now()); err != nil {
		t.Fatalf("signed with SHA-256: %v", err)
	}
	weak, _ := os.ReadFile("testdata/InRelease-SHA1")
	if _, err := ParseInRelease(weak, keys, "bookworm", time.Now()); err == nil || !strings.Contains(err.Error(), "hash algorithm") {
		t.Errorf("signed with SHA-1: %v, want it refused for its hash", err)
	}
}
