package debian

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"sync"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// The public keys that sign Debian's archive and its security archive for bullseye, bookworm and trixie,
// as the debian-archive-keyring package ships them.
//
//go:embed keys/*.asc
var keyFiles embed.FS

// ArchiveKeys is Debian's archive keyring that lvslab carries.
var ArchiveKeys = sync.OnceValues(func() (openpgp.EntityList, error) {
	var all openpgp.EntityList
	files, _ := fs.Glob(keyFiles, "keys/*.asc")
	for _, name := range files {
		data, _ := keyFiles.ReadFile(name)
		keys, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("lvslab's copy of Debian's archive key %s: %w", name, err)
		}
		all = append(all, keys...)
	}
	return all, nil
})

var openpgpUnknownIssuer = pgperrors.ErrUnknownIssuer

// configAt checks signatures and key lifetimes as of now.
func configAt(now time.Time) *packet.Config {
	return &packet.Config{Time: func() time.Time { return now }}
}

// keyName is how a key names itself, with its fingerprint.
func keyName(e *openpgp.Entity) string {
	name := ""
	if id := e.PrimaryIdentity(); id != nil {
		name = id.Name + " "
	}
	return fmt.Sprintf("%s[%X]", name, e.PrimaryKey.Fingerprint)
}
