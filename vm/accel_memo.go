package vm

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lvslab/lvslab/vm/kernel"
)

// A memo remembers, in the cache, that this host's KVM could not boot the kernel, so that later runs go
// straight to TCG instead of paying for a failed KVM boot each time. It is keyed by what identifies the
// host's KVM: the host kernel's release, the device's number and which KVM modules are loaded. A change
// to any of them (a new kernel, kvm_intel loaded) starts afresh.
type memo struct {
	path string
	key  memoKey
}

type memoKey struct {
	HostKernel string `json:"host_kernel"`
	Device     string `json:"device"`      // major:minor of /dev/kvm
	KVMModules string `json:"kvm_modules"` // the KVM modules loaded, comma-separated
}

// memoRecord is the file's content.
type memoRecord struct {
	memoKey
	Verdict string    `json:"verdict"` // always memoCannotBoot
	Why     string    `json:"why"`
	At      time.Time `json:"at"`
}

const (
	memoCannotBoot = "kvm-cannot-boot"
	memoMaxBytes   = 4 << 10
	memoMaxWhy     = 300
)

// openMemo is the memo for this host in the cache (Options.Cache, else kernel.CacheDir()), or nil when there is
// no cache directory to keep one in.
func openMemo(cache string) *memo {
	if cache == "" {
		var err error
		if cache, err = kernel.CacheDir(); err != nil {
			return nil
		}
	}
	k := hostAccelKey()
	sum := sha256.Sum256([]byte(k.HostKernel + "\x00" + k.Device + "\x00" + k.KVMModules))
	return &memo{path: filepath.Join(cache, "accel", hostAccel.name+"-"+hex.EncodeToString(sum[:8])+".json"), key: k}
}

// recalled is the remembered verdict, or nil if there is none or the file is not one lvslab would have
// written for this host: it is read as untrusted data, bounded and checked field by field.
func (m *memo) recalled() *memoRecord {
	if m == nil {
		return nil
	}
	f, err := os.Open(m.path)
	if err != nil {
		return nil
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, memoMaxBytes+1))
	if err != nil || len(data) > memoMaxBytes {
		return nil
	}
	var r memoRecord
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if dec.Decode(&r) != nil || r.memoKey != m.key || r.Verdict != memoCannotBoot || !printable(r.Why) {
		return nil
	}
	return &r
}

// remember records that KVM could not boot the kernel, atomically; the error says why it could not.
func (m *memo) remember(why string) error {
	if m == nil {
		return fmt.Errorf("no cache directory to remember it in (set %s)", "LVSLAB_CACHE")
	}
	why = strings.Join(strings.Fields(why), " ")
	if len(why) > memoMaxWhy {
		why = strings.ToValidUTF8(why[:memoMaxWhy], "") + "…"
	}
	data, err := json.MarshalIndent(memoRecord{memoKey: m.key, Verdict: memoCannotBoot, Why: why, At: time.Now().UTC()}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(m.path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(m.path), ".tmp-kvm-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(append(data, '\n'))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), m.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// forget removes the verdict: KVM booted after all.
func (m *memo) forget() {
	if m != nil {
		os.Remove(m.path)
	}
}

func printable(s string) bool {
	if s == "" || len(s) > memoMaxWhy+len("…") || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < ' ' || r == 0x7f {
			return false
		}
	}
	return true
}
