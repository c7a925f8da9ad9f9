package kernel

import "encoding/binary"

// moduleSigMagic ends a module that scripts/sign-file signed: the module, the PKCS#7 signature, a
// struct module_signature, then this string (include/linux/module_signature.h).
const moduleSigMagic = "~Module signature appended~\n"

// moduleSigInfoLen is sizeof(struct module_signature): algo, hash, id_type, signer_len, key_id_len,
// three bytes of padding and the signature's length, big-endian.
const moduleSigInfoLen = 12

// pkeyIDPKCS7 is the id_type of every signature the kernel accepts (mod_check_sig).
const pkeyIDPKCS7 = 2

// StripSignature returns the module without its appended signature, or the module as it is when it ends in
// no well-formed one. A kernel that does not enforce signatures (Kernel.UnsignedLoads) loads the result
// without hashing it: under TCG, checking the SHA-256 of a lab's 5 MB of modules takes 0.1-0.4 s of the
// boot. It marks itself tainted (E, unsigned module), which changes nothing IPVS does.
func StripSignature(module []byte) []byte {
	end := len(module) - len(moduleSigMagic)
	if end < moduleSigInfoLen || string(module[end:]) != moduleSigMagic {
		return module
	}
	info := module[end-moduleSigInfoLen : end]
	// As mod_check_sig: a PKCS#7 signature, and algo, hash, signer_len, key_id_len and the padding zero.
	if info[2] != pkeyIDPKCS7 || info[0]|info[1]|info[3]|info[4]|info[5]|info[6]|info[7] != 0 {
		return module
	}
	sigLen := binary.BigEndian.Uint32(info[8:])
	body := end - moduleSigInfoLen
	if uint64(sigLen) >= uint64(body) {
		return module
	}
	return module[:body-int(sigLen)]
}
