package vm

import (
	"fmt"
	"io"
)

// cpioWriter writes the "newc" cpio format the kernel unpacks as an initramfs
// (Documentation/driver-api/early-userspace/buffer-format.rst): a 110-byte ASCII header, the NUL-terminated
// name and the data, each padded to 4 bytes, ending with the entry TRAILER!!!.
type cpioWriter struct {
	w   io.Writer
	ino int
	off int64
	err error
}

const (
	cpioDir  = 0o040000
	cpioFile = 0o100000
	cpioChar = 0o020000
)

func (c *cpioWriter) Dir(name string, perm uint32) { c.entry(name, cpioDir|perm, 0, 0, nil, 0) }

// File writes a regular file of size bytes read from r.
func (c *cpioWriter) File(name string, perm uint32, size int64, r io.Reader) {
	c.entry(name, cpioFile|perm, 0, 0, r, size)
}

func (c *cpioWriter) CharDev(name string, perm uint32, major, minor int) {
	c.entry(name, cpioChar|perm, major, minor, nil, 0)
}

// Close writes the trailer and reports the first error of any entry.
func (c *cpioWriter) Close() error {
	c.entry("TRAILER!!!", 0, 0, 0, nil, 0)
	return c.err
}

func (c *cpioWriter) entry(name string, mode uint32, rmajor, rminor int, data io.Reader, size int64) {
	if c.err != nil {
		return
	}
	c.ino++
	nlink := 1
	if mode&0o170000 == cpioDir {
		nlink = 2
	}
	hdr := fmt.Sprintf("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		c.ino, mode, 0, 0, nlink, 0, size, 0, 0, rmajor, rminor, len(name)+1, 0)
	c.write([]byte(hdr))
	c.write(append([]byte(name), 0))
	c.pad()
	if data != nil {
		n, err := io.CopyN(c.w, data, size)
		c.off += n
		if err != nil && c.err == nil {
			c.err = fmt.Errorf("initramfs entry %s: %w", name, err)
		}
	}
	c.pad()
}

func (c *cpioWriter) pad() {
	if r := c.off % 4; r != 0 {
		c.write(make([]byte, 4-r))
	}
}

func (c *cpioWriter) write(b []byte) {
	if c.err != nil {
		return
	}
	n, err := c.w.Write(b)
	c.off += int64(n)
	c.err = err
}
