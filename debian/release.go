package debian

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
)

// Release is a suite's signed InRelease, verified: what it says of itself and the SHA256 and size of each
// index file it lists.
type Release struct {
	Suite, Codename string
	Signer          string    // the key that signed it, as its primary identity names it
	Date            time.Time // when the archive made it; zero if it says not
	ByHash          bool      // whether its files can be fetched by digest (Acquire-By-Hash)
	files           map[string]FileDigest
}

// FileDigest is what a signed index says a file must be.
type FileDigest struct {
	SHA256 string
	Size   int64
}

const maxInRelease = 4 << 20

// ParseInRelease verifies an InRelease file against keys and reads it. It accepts the file when one of
// its signatures is good and made by one of keys with nothing expired or revoked, and when it names the
// suite asked for (by Suite or Codename) and is not past its Valid-Until at now; it reads nothing outside
// the signed text.
func ParseInRelease(data []byte, keys openpgp.EntityList, suite string, now time.Time) (*Release, error) {
	if len(data) > maxInRelease {
		return nil, fmt.Errorf("expected at most %d bytes, found %d", maxInRelease, len(data))
	}
	block, _ := clearsign.Decode(data)
	if block == nil {
		return nil, errors.New("expected an OpenPGP clearsigned file, found none")
	}
	signer, err := verify(block, keys, now)
	if err != nil {
		return nil, err
	}
	r := &Release{Signer: signer, files: map[string]FileDigest{}}
	var fields Paragraph
	err = ReadParagraphs(strings.NewReader(string(block.Plaintext)), nil, func(p Paragraph) error {
		if fields != nil {
			return errors.New("expected one paragraph, found more")
		}
		fields = p
		return nil
	})
	if err == nil && fields == nil {
		err = errors.New("expected a paragraph of fields, found none")
	}
	if err != nil {
		return nil, fmt.Errorf("signed text: %w", err)
	}
	r.Suite, r.Codename = fields["Suite"], fields["Codename"]
	if r.Suite != suite && r.Codename != suite {
		return nil, fmt.Errorf("expected the release of %s, found Suite %q, Codename %q signed by %s", suite, r.Suite, r.Codename, signer)
	}
	r.ByHash = strings.EqualFold(fields["Acquire-By-Hash"], "yes")
	if r.Date, err = releaseTime(fields, "Date"); err != nil {
		return nil, err
	}
	until, err := releaseTime(fields, "Valid-Until")
	if err != nil {
		return nil, err
	}
	if !until.IsZero() && now.After(until) {
		return nil, fmt.Errorf("expired at %s (Valid-Until); the mirror is stale: try another", until.UTC().Format(time.RFC3339))
	}
	return r, r.readSHA256(fields["SHA256"])
}

// releaseTime reads a date field of a release ("Sat, 05 Dec 2026 03:33:30 UTC"); zero if there is none.
func releaseTime(fields Paragraph, name string) (time.Time, error) {
	v := fields[name]
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC1123, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: expected a date like %q", name, v, time.RFC1123)
	}
	return t, nil
}

// strongHashes are the digests a signature may use: not SHA-1, which apt refuses too.
var strongHashes = []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512}

// verify accepts the block if one of its signatures verifies against one of keys on its own.
func verify(block *clearsign.Block, keys openpgp.EntityList, now time.Time) (string, error) {
	signatures, err := io.ReadAll(io.LimitReader(block.ArmoredSignature.Body, maxInRelease))
	if err != nil {
		return "", fmt.Errorf("signature: %w", err)
	}
	var problems []string
	for _, key := range keys {
		_, _, err := openpgp.VerifyDetachedSignatureAndHash(openpgp.EntityList{key}, bytes.NewReader(block.Bytes), bytes.NewReader(signatures), strongHashes, configAt(now))
		if err != nil {
			if !errors.Is(err, openpgpUnknownIssuer) {
				problems = append(problems, fmt.Sprintf("%s: %v", keyName(key), err))
			}
			continue
		}
		return keyName(key), nil
	}
	if len(problems) == 0 {
		return "", errors.New("expected a signature by one of Debian's archive keys, found none")
	}
	return "", fmt.Errorf("expected a good signature by one of Debian's archive keys, found %s", strings.Join(problems, "; "))
}

// readSHA256 reads the SHA256 field: one " <sha256> <size> <path>" line per file.
func (r *Release) readSHA256(field string) error {
	for _, line := range strings.Split(field, "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		parts := strings.Fields(line)
		if len(parts) != 3 || !isSHA256(parts[0]) {
			return fmt.Errorf("SHA256: expected \"<sha256> <size> <path>\", found %.80q", line)
		}
		size, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil || size < 0 {
			return fmt.Errorf("SHA256: size %q of %s: expected a number of bytes", parts[1], parts[2])
		}
		r.files[parts[2]] = FileDigest{SHA256: parts[0], Size: size}
	}
	if len(r.files) == 0 {
		return errors.New("expected a SHA256 field listing the index files, found none")
	}
	return nil
}

// File is the digest the release gives path (e.g. main/binary-amd64/Packages.xz), if it lists it.
func (r *Release) File(path string) (FileDigest, bool) {
	d, ok := r.files[path]
	return d, ok
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
