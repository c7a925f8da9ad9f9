package model

import (
	"net/netip"
	"testing"
)

func fold(s string) uint32 { return addrFold(netip.MustParseAddr(s)) }

// Expected values were computed by a C program built from the kernel's own
// hash_32 and SIPHASH_PERMUTATION / HPREAMBLE / HPOSTAMBLE macros.
func TestHash32(t *testing.T) {
	for _, tc := range []struct {
		v    uint32
		want uint32
	}{
		{fold("192.168.1.10"), 248},
		{fold("10.1.2.3"), 2},
		{fold("10.0.0.1"), 39},
		{fold("203.0.113.7"), 124},
		{fold("192.168.1.10") + 40000, 156},
		{fold("192.168.0.75"), 4},
	} {
		if got := hash32(tc.v, 8); got != tc.want {
			t.Errorf("hash_32(%#x, 8) = %d, want %d", tc.v, got, tc.want)
		}
	}
}

func TestHsiphash(t *testing.T) {
	for _, tc := range []struct {
		v    uint32
		key  hsiphashKey
		want uint32
	}{
		{0, mhKey1, 0x1d5a77c2},
		{1, mhKey2, 0x8210aad1},
	} {
		if got := hsiphash32(tc.v, tc.key); got != tc.want {
			t.Errorf("hsiphash(%d) = %#x, want %#x", tc.v, got, tc.want)
		}
	}
}

func TestAddrFoldIPv6(t *testing.T) {
	got := fold("2001:db8::1:0:0:5")
	words := []uint32{0x20010db8, 0x00000000, 0x00010000, 0x00000005} // 2001:db8::1:0:0:5, 32 bits at a time
	want := words[0] ^ words[1] ^ words[2] ^ words[3]
	if got != want {
		t.Fatalf("fold = %#x, want %#x", got, want)
	}
	if fold("::ffff:10.0.0.1") != 0xffff^0x0a000001 {
		t.Fatal("a v4-mapped IPv6 address folds as IPv6")
	}
}
