package proc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// maxArgs bounds the argument count a kern.procargs2 record may claim.
const maxArgs = 1 << 16

// parseProcargs2 reads macOS's kern.procargs2 record: argc (32 bits, the host's order: little-endian on
// every Mac), the executable's path and NUL padding, then argc arguments each ended by a NUL, then the
// environment. It returns the arguments as Linux's /proc/PID/cmdline has them.
func parseProcargs2(b []byte) ([]byte, error) {
	if len(b) < 4 {
		return nil, errors.New("kern.procargs2: shorter than its argument count")
	}
	argc := binary.LittleEndian.Uint32(b)
	if argc > maxArgs {
		return nil, fmt.Errorf("kern.procargs2: %d arguments, expected at most %d", argc, maxArgs)
	}
	rest := b[4:]
	end := bytes.IndexByte(rest, 0)
	if end < 0 {
		return nil, errors.New("kern.procargs2: the executable's path is not ended")
	}
	rest = rest[end:]
	for len(rest) > 0 && rest[0] == 0 {
		rest = rest[1:]
	}
	n := 0
	for i := uint32(0); i < argc; i++ {
		end := bytes.IndexByte(rest[n:], 0)
		if end < 0 {
			return nil, fmt.Errorf("kern.procargs2: argument %d of %d is not ended", i+1, argc)
		}
		n += end + 1
	}
	return rest[:n], nil
}
