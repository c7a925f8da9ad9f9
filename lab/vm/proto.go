package vm

import (
	"encoding/binary"
	"fmt"
	"io"
	"sync"
)

// Frames from the guest to the host: a type byte, a big-endian uint32 payload length, the payload.
const (
	frameHello  = 'H' // /init reached the host; payload empty
	frameStdout = 'O'
	frameStderr = 'E'
	frameFile   = 'F' // uint32 path length, path, content
	frameExit   = 'X' // int32 exit code; the last frame
	frameError  = '!' // /init failed; payload is the message; the last frame
)

const maxFrame = 1 << 30

type frame struct {
	typ     byte
	payload []byte
}

func readFrame(r io.Reader) (frame, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return frame{}, err
	}
	n := binary.BigEndian.Uint32(hdr[1:])
	if n > maxFrame {
		return frame{}, fmt.Errorf("frame %q of %d bytes: expected at most %d; the channel is corrupt", hdr[0], n, maxFrame)
	}
	f := frame{typ: hdr[0], payload: make([]byte, n)}
	if _, err := io.ReadFull(r, f.payload); err != nil {
		return frame{}, fmt.Errorf("frame %q cut short: %w", hdr[0], err)
	}
	return f, nil
}

// frameWriter serializes frames from several goroutines onto one channel.
type frameWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (fw *frameWriter) send(typ byte, parts ...[]byte) error {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	buf := make([]byte, 5, 5+n)
	buf[0] = typ
	binary.BigEndian.PutUint32(buf[1:], uint32(n))
	for _, p := range parts {
		buf = append(buf, p...)
	}
	fw.mu.Lock()
	defer fw.mu.Unlock()
	_, err := fw.w.Write(buf)
	return err
}

func (fw *frameWriter) sendFile(path string, content []byte) error {
	return fw.send(frameFile, binary.BigEndian.AppendUint32(nil, uint32(len(path))), []byte(path), content)
}

func (fw *frameWriter) sendExit(code int) error {
	return fw.send(frameExit, binary.BigEndian.AppendUint32(nil, uint32(int32(code))))
}

func parseFile(p []byte) (path string, content []byte, err error) {
	if len(p) < 4 || int(binary.BigEndian.Uint32(p)) > len(p)-4 {
		return "", nil, fmt.Errorf("file frame of %d bytes: expected a path length and path; the channel is corrupt", len(p))
	}
	n := binary.BigEndian.Uint32(p)
	return string(p[4 : 4+n]), p[4+n:], nil
}

// streamWriter turns writes into frames of one type, for the command's stdout and stderr.
type streamWriter struct {
	fw  *frameWriter
	typ byte
}

func (s streamWriter) Write(p []byte) (int, error) {
	if err := s.fw.send(s.typ, p); err != nil {
		return 0, err
	}
	return len(p), nil
}
