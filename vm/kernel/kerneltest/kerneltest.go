// Package kerneltest makes the kernel files tests need: modules (minimal ELF files with a .modinfo) and
// their compressed forms.
package kerneltest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ulikunitz/xz"

	"github.com/lvslab/lvslab/debian/debiantest"
)

// FakeModule writes a minimal ELF64 relocatable file whose only sections are .modinfo and .shstrtab.
func FakeModule(t *testing.T, dir, name, modinfo string) string {
	t.Helper()
	shstrtab := "\x00.modinfo\x00.shstrtab\x00"
	const ehsize, shentsize = 64, 64
	infoOff := ehsize
	strOff := infoOff + len(modinfo)
	shOff := (strOff + len(shstrtab) + 3) &^ 3
	b := make([]byte, shOff+3*shentsize)
	copy(b, "\x7fELF\x02\x01\x01")
	le := binary.LittleEndian
	le.PutUint16(b[16:], 1)  // ET_REL
	le.PutUint16(b[18:], 62) // EM_X86_64
	le.PutUint32(b[20:], 1)
	le.PutUint64(b[40:], uint64(shOff))
	le.PutUint16(b[52:], ehsize)
	le.PutUint16(b[58:], shentsize)
	le.PutUint16(b[60:], 3) // section headers: null, .modinfo, .shstrtab
	le.PutUint16(b[62:], 2) // .shstrtab's index
	copy(b[infoOff:], modinfo)
	copy(b[strOff:], shstrtab)
	section := func(i, name, typ, off, size int) {
		s := b[shOff+i*shentsize:]
		le.PutUint32(s[0:], uint32(name))
		le.PutUint32(s[4:], uint32(typ))
		le.PutUint64(s[24:], uint64(off))
		le.PutUint64(s[32:], uint64(size))
		le.PutUint64(s[48:], 1)
	}
	section(1, 1, 1, infoOff, len(modinfo))  // PROGBITS
	section(2, 10, 3, strOff, len(shstrtab)) // STRTAB
	p := filepath.Join(dir, name+".ko")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Compress compresses files in place as xz or zstd does, replacing each with file.xz or file.zst.
func Compress(t *testing.T, method string, files ...string) {
	t.Helper()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		switch method {
		case "xz":
			w, err := xz.NewWriter(&buf)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(data)
			w.Close()
		case "zstd":
			buf.Write(Zstd(t, data))
		default:
			t.Fatalf("Compress %s", method)
		}
		if err := os.WriteFile(f+map[string]string{"xz": ".xz", "zstd": ".zst"}[method], buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Remove(f)
	}
}

// Zstd is data compressed as zstd does.
func Zstd(t *testing.T, data []byte) []byte { return debiantest.Zstd(t, data) }

// Signature is what scripts/sign-file appends to a module: sigLen bytes of (here, zero) PKCS#7
// signature, its struct module_signature (id_type PKEY_ID_PKCS7, the length big-endian) and the magic.
func Signature(sigLen int) []byte {
	info := make([]byte, 12)
	info[2] = 2 // PKEY_ID_PKCS7
	binary.BigEndian.PutUint32(info[8:], uint32(sigLen))
	return append(append(make([]byte, sigLen), info...), "~Module signature appended~\n"...)
}

// Sign appends to a module file a signature the way the kernel's scripts/sign-file does (PKCS#7 type,
// sigLen bytes, its struct module_signature and the magic string), of zeros: no kernel would accept it,
// but it is where the kernel looks for one.
func Sign(t *testing.T, path string, sigLen int) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Write(Signature(sigLen))
	if err := errors.Join(err, f.Close()); err != nil {
		t.Fatal(err)
	}
}
