package kernel

import (
	"encoding/binary"
	"testing"

	"github.com/lvslab/lvslab/vm/kernel/kerneltest"
)

// signed appends a signature of sigLen bytes the way scripts/sign-file does, with id_type idType.
func signed(module string, sigLen int, idType byte) []byte {
	return withInfo(append([]byte(module), kerneltest.Signature(sigLen)...), 2, idType)
}

// overlong makes a signed module's signature claim more bytes than the file holds before it.
func overlong(m []byte) []byte {
	binary.BigEndian.PutUint32(m[len(m)-len(moduleSigMagic)-4:], uint32(len(m)))
	return m
}

// withInfo sets byte i of a signed module's struct module_signature.
func withInfo(m []byte, i int, v byte) []byte {
	m[len(m)-len(moduleSigMagic)-moduleSigInfoLen+i] = v
	return m
}

func TestStripSignature(t *testing.T) {
	const module = "\x7fELF a module's text"
	for _, c := range []struct {
		name string
		in   []byte
		want string
	}{
		{"signed", signed(module, 300, pkeyIDPKCS7), module},
		{"unsigned", []byte(module), module},
		{"a signature longer than the file", overlong(signed(module, 300, pkeyIDPKCS7)), ""},
		{"not PKCS#7", signed(module, 300, 1), ""},
		{"a signer named, which PKCS#7 signatures do not", withInfo(signed(module, 300, pkeyIDPKCS7), 3, 5), ""},
		{"only the magic", []byte(moduleSigMagic), moduleSigMagic},
	} {
		got := StripSignature(c.in)
		want := c.want
		if want == "" {
			want = string(c.in) // left as it is
		}
		if string(got) != want {
			t.Errorf("%s: got %d bytes, want %d", c.name, len(got), len(want))
		}
	}
}

func TestUnsignedLoadsFromConfig(t *testing.T) {
	for _, c := range []struct {
		config map[string]string
		want   bool
	}{
		{map[string]string{"CONFIG_MODULE_SIG": "y"}, true},
		{map[string]string{"CONFIG_MODULE_SIG": "y", "CONFIG_MODULE_SIG_FORCE": "y"}, false},
		{map[string]string{}, true},
		{map[string]string{"CONFIG_MODULE_SIG": "y", "CONFIG_LOCK_DOWN_KERNEL_FORCE_INTEGRITY": "y"}, false},
		{nil, false},
	} {
		if got := unsignedLoads(c.config); got != c.want {
			t.Errorf("config %v: UnsignedLoads %v, want %v", c.config, got, c.want)
		}
	}
}
