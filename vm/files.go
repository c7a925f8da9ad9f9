package vm

import (
	"io"
	"os"
)

// rewind puts a file written for qemu back at its start: where qemu opens it through fdPath, it may share
// this descriptor's offset.
func rewind(f *os.File) error {
	_, err := f.Seek(0, io.SeekStart)
	return err
}
