package debian

import (
	"compress/gzip"
	"io"

	"github.com/klauspost/compress/zstd"
	"github.com/xi2/xz"
)

// XZStream reads one xz stream, with any of xz's filters (a kernel's payload has x86 BCJ).
func XZStream(r io.Reader) (io.Reader, error) {
	zr, err := xz.NewReader(r, 0)
	if err != nil {
		return nil, err
	}
	zr.Multistream(false)
	return zr, nil
}

// ZstdStream reads zstd-compressed data, with at most 1 GiB of decoder memory.
func ZstdStream(r io.Reader) (io.Reader, error) {
	d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<30))
	if err != nil {
		return nil, err
	}
	return d.IOReadCloser(), nil
}

// GzipStream reads one gzip member.
func GzipStream(r io.Reader) (io.Reader, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, err
	}
	zr.Multistream(false)
	return zr, nil
}
