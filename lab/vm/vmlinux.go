package vm

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// A bzImage decompresses itself at boot, which under TCG takes about 3 s for Debian's xz-compressed kernel.
// The host does it in under a second, and qemu boots the resulting ELF vmlinux through its PVH entry point.

// extractVmlinux writes the ELF kernel inside a bzImage to w. It knows the payloads Debian uses: xz
// (Debian 12's 6.1 kernel), zstd (its 6.12 kernel) and gzip, all unpacked in Go.
func extractVmlinux(ctx context.Context, bzImage string, w io.Writer) error {
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
	if end > len(data) || start >= end {
		return fmt.Errorf("%s: payload [%d,%d) lies outside the file", bzImage, start, end)
	}
	payload := data[start:end]
	switch {
	case bytes.HasPrefix(payload, []byte("\xfd7zXZ\x00")):
		return unpackPayload(ctx, bzImage, ".ko.xz", payload, w)
	case bytes.HasPrefix(payload, []byte("\x28\xb5\x2f\xfd")) && len(payload) > 4:
		// Debian's 6.12 kernel. The kernel's build appends the unpacked size, 4 bytes, to the zstd frame.
		return unpackPayload(ctx, bzImage, ".ko.zst", payload[:len(payload)-4], w)
	case bytes.HasPrefix(payload, []byte{0x1f, 0x8b}):
		return unpackPayload(ctx, bzImage, ".ko.gz", payload, w)
	}
	return fmt.Errorf("%s: payload compressed with a method lvslab does not unpack (magic % x)", bzImage, payload[:min(6, len(payload))])
}

// unpackPayload decompresses payload, by the method a module suffix names, into w.
func unpackPayload(ctx context.Context, bzImage, method string, payload []byte, w io.Writer) error {
	r, err := decompressor(method, bytes.NewReader(payload))
	if err == nil {
		_, err = io.Copy(w, ctxReader{ctx, r})
	}
	if err != nil {
		return fmt.Errorf("%s: unpacking its payload: %w", bzImage, err)
	}
	return nil
}

// ctxReader stops a long copy when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// hasPVHEntry reports whether path is an ELF kernel that qemu can boot directly: one with a Xen
// PHYS32_ENTRY note (CONFIG_PVH).
func hasPVHEntry(path string) bool {
	f, err := elf.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
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

// bootImage picks what qemu boots: the kernel's vmlinux; else one extracted now into a memfd (returned,
// for qemu to inherit as fdKernel); else the bzImage as it is.
func bootImage(ctx context.Context, k *Kernel) (string, *os.File) {
	if k.Vmlinux != "" {
		return k.Vmlinux, nil
	}
	fd, err := unix.MemfdCreate("lvslab-vmlinux", unix.MFD_CLOEXEC)
	if err != nil {
		return k.Vmlinuz, nil
	}
	f := os.NewFile(uintptr(fd), "lvslab-vmlinux")
	path := "/proc/self/fd/" + strconv.Itoa(fd)
	if extractVmlinux(ctx, k.Vmlinuz, f) != nil || !hasPVHEntry(path) {
		f.Close()
		return k.Vmlinuz, nil
	}
	return "/proc/self/fd/" + strconv.Itoa(fdKernel), f
}
