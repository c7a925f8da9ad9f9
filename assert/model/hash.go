package model

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// goldenRatio32 is GOLDEN_RATIO_32 from include/linux/hash.h.
const goldenRatio32 = 0x61C88647

// hash32 is include/linux/hash.h hash_32 (the generic version; x86-64 has
// no arch override): the top bits of val * GOLDEN_RATIO_32.
func hash32(val uint32, bitCount uint) uint32 {
	return (val * goldenRatio32) >> (32 - bitCount)
}

// addrFold is the "addr_fold" of ip_vs_dh/sh/mh/lblc_hashkey in host byte
// order: the IPv4 address, or the XOR of the four 32-bit words of an IPv6
// address (XOR commutes with ntohl).
func addrFold(a netip.Addr) uint32 {
	if a.Is4() {
		b := a.As4()
		return binary.BigEndian.Uint32(b[:])
	}
	b := a.As16()
	return binary.BigEndian.Uint32(b[0:]) ^ binary.BigEndian.Uint32(b[4:]) ^
		binary.BigEndian.Uint32(b[8:]) ^ binary.BigEndian.Uint32(b[12:])
}

// hsiphashKey is hsiphash_key_t on a 64-bit kernel (two unsigned longs).
type hsiphashKey [2]uint64

// hsiphash32 is lib/siphash.c hsiphash of the 4-byte value v on a 64-bit
// little-endian kernel: there "HalfSipHash-1-3" is really SipHash-1-3
// (one compression round, three finalization rounds) truncated to 32 bits,
// and the value's bytes are read little-endian into the last block, whose
// top byte is the length (4).
func hsiphash32(v uint32, key hsiphashKey) uint32 {
	v0 := uint64(0x736f6d6570736575) ^ key[0]
	v1 := uint64(0x646f72616e646f6d) ^ key[1]
	v2 := uint64(0x6c7967656e657261) ^ key[0]
	v3 := uint64(0x7465646279746573) ^ key[1]
	round := func() {
		v0 += v1
		v1 = bits.RotateLeft64(v1, 13)
		v1 ^= v0
		v0 = bits.RotateLeft64(v0, 32)
		v2 += v3
		v3 = bits.RotateLeft64(v3, 16)
		v3 ^= v2
		v0 += v3
		v3 = bits.RotateLeft64(v3, 21)
		v3 ^= v0
		v2 += v1
		v1 = bits.RotateLeft64(v1, 17)
		v1 ^= v2
		v2 = bits.RotateLeft64(v2, 32)
	}
	b := uint64(4)<<56 | uint64(v)
	v3 ^= b
	round()
	v0 ^= b
	v2 ^= 0xff
	round()
	round()
	round()
	return uint32(v0 ^ v1 ^ v2 ^ v3)
}

// gcd is lib/math/gcd.c gcd (any correct gcd gives the same result).
func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
