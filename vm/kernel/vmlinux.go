package kernel

import (
	"bytes"
	"compress/bzip2"
	"context"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"os"

	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz/lzma"

	"github.com/lvslab/lvslab/debian"
	"github.com/lvslab/lvslab/internal/ctxio"
)

// A bzImage decompresses itself at boot, which under TCG takes seconds (about 5 s for Debian 12's
// xz-compressed kernel). The host does it once, when it fetches the kernel, and qemu boots the resulting
// ELF vmlinux through its PVH entry point.

// maxVmlinux bounds the unpacked kernel that a bzImage's trailer may declare: Debian's are 50-70 MiB.
const maxVmlinux = 512 << 20

// payloadMethods are the compressions the kernel's build offers for a bzImage's payload (CONFIG_KERNEL_*),
// by their magic, with a reader for each. lzo is the one lvslab does not read.
var payloadMethods = []struct {
	name  string
	magic string
	open  func(io.Reader) (io.Reader, error)
}{
	// xz with the x86 BCJ filter (Debian 12's 6.1), which only a reader that has the filters can open.
	{"xz", "\xfd7zXZ\x00", debian.XZStream},
	{"zstd", "\x28\xb5\x2f\xfd", debian.ZstdStream}, // Debian's 6.12
	{"gzip", "\x1f\x8b", debian.GzipStream},
	{"bzip2", "BZh", func(r io.Reader) (io.Reader, error) { return bzip2.NewReader(r), nil }},
	{"lz4", "\x02\x21\x4c\x18", func(r io.Reader) (io.Reader, error) { return lz4.NewReader(r), nil }}, // lz4 -l, the legacy frame
	{"lzma", "\x5d\x00\x00", func(r io.Reader) (io.Reader, error) { return lzma.NewReader(r) }},
}

// ExtractVmlinux writes the ELF kernel inside a bzImage to w, whatever the payload's compression (but lzo).
func ExtractVmlinux(ctx context.Context, bzImage string, w io.Writer) error {
	data, err := os.ReadFile(bzImage)
	if err != nil {
		return err
	}
	// The boot protocol header (Documentation/arch/x86/boot.rst): "HdrS" at 0x202, setup_sects at 0x1f1,
	// payload_offset and payload_length at 0x248 (protocol 2.08 and later).
	if len(data) < 0x250 || string(data[0x202:0x206]) != "HdrS" || binary.LittleEndian.Uint16(data[0x206:]) < 0x208 {
		return fmt.Errorf("%s: expected a bzImage (boot protocol 2.08 or later)", bzImage)
	}
	setup := int(data[0x1f1])
	if setup == 0 {
		setup = 4
	}
	start := (setup+1)*512 + int(binary.LittleEndian.Uint32(data[0x248:]))
	end := start + int(binary.LittleEndian.Uint32(data[0x24c:]))
	if end > len(data) || start+4 >= end {
		return fmt.Errorf("%s: payload [%d,%d) lies outside the file", bzImage, start, end)
	}
	// The kernel's build appends the unpacked size, 4 bytes, to every compressed payload (size_append).
	payload := data[start : end-4]
	size := int64(binary.LittleEndian.Uint32(data[end-4:]))
	if size > maxVmlinux {
		return fmt.Errorf("%s: its payload declares %d bytes unpacked, expected at most %d", bzImage, size, maxVmlinux)
	}
	for _, m := range payloadMethods {
		if !bytes.HasPrefix(payload, []byte(m.magic)) {
			continue
		}
		r, err := m.open(bytes.NewReader(payload))
		var n int64
		if err == nil {
			n, err = io.Copy(w, ctxio.Reader(ctx, io.LimitReader(r, size+1)))
		}
		if err == nil && n != size {
			err = fmt.Errorf("unpacked %d bytes, its trailer says %d", n, size)
		}
		if err != nil {
			return fmt.Errorf("%s: unpacking its %s payload: %w", bzImage, m.name, err)
		}
		return nil
	}
	return fmt.Errorf("%s: payload compressed with a method lvslab does not unpack (magic % x); expected xz, zstd, gzip, bzip2, lz4 or lzma", bzImage, payload[:min(6, len(payload))])
}

// HasPVHEntry reports whether path is an ELF kernel that qemu can boot directly: one with a Xen
// PHYS32_ENTRY note (CONFIG_PVH).
func HasPVHEntry(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	return PVHEntryIn(f)
}

// PVHEntryIn is HasPVHEntry of a kernel already open, read at offsets (an *os.File's own offset stays).
func PVHEntryIn(r io.ReaderAt) bool {
	f, err := elf.NewFile(r)
	if err != nil {
		return false
	}
	for _, p := range f.Progs {
		if p.Type != elf.PT_NOTE {
			continue
		}
		notes, err := io.ReadAll(p.Open())
		if err != nil {
			return false
		}
		for len(notes) >= 12 {
			namesz := int(binary.LittleEndian.Uint32(notes))
			descsz := int(binary.LittleEndian.Uint32(notes[4:]))
			typ := binary.LittleEndian.Uint32(notes[8:])
			name := notes[12:min(len(notes), 12+namesz)]
			if typ == 18 && bytes.Equal(bytes.TrimRight(name, "\x00"), []byte("Xen")) { // XEN_ELFNOTE_PHYS32_ENTRY
				return true
			}
			next := 12 + align4(namesz) + align4(descsz)
			if next > len(notes) {
				break
			}
			notes = notes[next:]
		}
	}
	return false
}

func align4(n int) int { return (n + 3) &^ 3 }
