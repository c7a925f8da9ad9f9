package debiantest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// Entry is one entry of a test package's data.tar: a file (Body), a directory, or a link (Link).
type Entry struct {
	Name, Body, Link string
	Type             byte
	Mode             int64 // 0: 0644 for a file, 0755 for a folder
}

// DebFile is a .deb: debian-binary, control.tar.gz and data.tar compressed as method (gz, zst).
func DebFile(t *testing.T, method string, entries []Entry) []byte {
	t.Helper()
	var tarBuf bytes.Buffer
	tw := tar.NewWriter(&tarBuf)
	for _, e := range entries {
		h := &tar.Header{Name: e.Name, Typeflag: e.Type, Linkname: e.Link, Mode: 0o644, Size: int64(len(e.Body))}
		if e.Type == tar.TypeDir {
			h.Mode = 0o755
		}
		if e.Mode != 0 {
			h.Mode = e.Mode
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(e.Body))
	}
	tw.Close()
	data := tarBuf.Bytes()
	switch method {
	case "gz":
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(data)
		zw.Close()
		data = z.Bytes()
	case "zst":
		data = Zstd(t, data)
	}
	var ar bytes.Buffer
	ar.WriteString("!<arch>\n")
	member := func(name string, body []byte) {
		fmt.Fprintf(&ar, "%-16s%-12d%-6d%-6d%-8s%-10d`\n", name, 0, 0, 0, "100644", len(body))
		ar.Write(body)
		if len(body)%2 == 1 {
			ar.WriteByte('\n')
		}
	}
	member("debian-binary", []byte("2.0\n"))
	member("control.tar.gz", []byte("x")) // odd-sized: the padding must be skipped
	member("data.tar."+method, data)
	return ar.Bytes()
}

// Zstd compresses data with zstd.
func Zstd(t *testing.T, data []byte) []byte {
	t.Helper()
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	return enc.EncodeAll(data, nil)
}
