package vm

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
)

// Frames from the guest to the host: a type byte, a big-endian uint32 payload length, the payload.
const (
	frameHello   = 'H' // /init reached the host; payload empty
	frameStdout  = 'O'
	frameStderr  = 'E'
	frameFile    = 'F' // uint32 path length, path, content
	frameExit    = 'X' // int32 exit code; the last frame
	frameError   = '!' // /init failed; payload is the message; the last frame
	frameTimings = 'T' // the phases /init went through, as JSON []Timing
	// Host to guest: the host has read the last frame. Until then the guest does not power off: its frames
	// may still wait in qemu's queue (a busy host reads late), and a power-off loses them.
	frameReceived = 'A'
)

// Sizes the writers keep to, and the readers hold them to.
const (
	maxChunk       = 64 << 10  // a piece of a stream: stdout, stderr, stdin
	maxMessage     = 64 << 10  // an error's text
	maxOutputBytes = 256 << 20 // a file the command wrote (Options.Outputs), path included
)

// frameLimits are the frames a reader accepts, each with the largest payload it takes. A frame's length
// comes from the other side: it is checked against the type's limit before anything is allocated, and a
// type the reader does not expect ends the stream.
type frameLimits map[byte]uint32

// What each reader accepts.
var (
	// The channel of a machine that runs one command (Run), guest to host.
	fromRunGuest = frameLimits{frameHello: 0, frameStdout: maxChunk, frameStderr: maxChunk,
		frameFile: maxOutputBytes, frameExit: 4, frameError: maxMessage, frameTimings: maxTimingsBytes}
	// The same channel, host to guest.
	fromRunHost = frameLimits{frameReceived: 0}
	// The control channel of a machine that serves (Boot), guest to host, until it detaches.
	fromBootingGuest = frameLimits{frameHello: 0, frameReady: 0, frameError: maxMessage, frameTimings: maxTimingsBytes}
	// The control channel, host to guest.
	fromBootingHost = frameLimits{frameDetach: 0}
	// An agent connection, host to guest: the request first, then input.
	toAgentRequest = frameLimits{frameRequest: maxRequestBytes}
	toAgentInput   = frameLimits{frameStdin: maxChunk, frameStdinEOF: 0, frameResize: 4, frameSignal: 4}
	// An agent connection, guest to host.
	fromAgent = frameLimits{frameStdout: maxChunk, frameStderr: maxChunk, frameCredit: 4, frameExit: 4, frameError: maxMessage}
)

// fixedSize are the frames whose payload has one size, which their readers count on.
var fixedSize = map[byte]uint32{frameExit: 4, frameCredit: 4, frameResize: 4, frameSignal: 4, frameHello: 0,
	frameReady: 0, frameDetach: 0, frameStdinEOF: 0, frameReceived: 0}

type frame struct {
	typ     byte
	payload []byte
}

// readFrame reads one frame that limits accept. A large payload is read as it comes, so that a length
// the other side claims costs memory only once its bytes arrive.
func readFrame(r io.Reader, limits frameLimits) (frame, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return frame{}, err
	}
	typ, n := hdr[0], binary.BigEndian.Uint32(hdr[1:])
	limit, ok := limits[typ]
	fixed, isFixed := fixedSize[typ]
	switch {
	case !ok:
		return frame{}, fmt.Errorf("a frame of type %s, which does not belong here; the channel is corrupt", frameName(typ))
	case n > limit:
		return frame{}, fmt.Errorf("a frame of type %s declaring %d bytes: expected at most %d; the channel is corrupt", frameName(typ), n, limit)
	case isFixed && n != fixed:
		return frame{}, fmt.Errorf("a frame of type %s declaring %d bytes: expected exactly %d; the channel is corrupt", frameName(typ), n, fixed)
	}
	f := frame{typ: typ}
	if n <= maxChunk {
		f.payload = make([]byte, n)
		if _, err := io.ReadFull(r, f.payload); err != nil {
			return frame{}, fmt.Errorf("a frame of type %s cut short: %w", frameName(typ), err)
		}
		return f, nil
	}
	var buf bytes.Buffer
	if got, err := io.CopyN(&buf, r, int64(n)); err != nil {
		return frame{}, fmt.Errorf("a frame of type %s cut short after %d of %d bytes: %w", frameName(typ), got, n, err)
	}
	f.payload = buf.Bytes()
	return f, nil
}

// frameName shows a frame type for a person: the letter, or its code when it is not printable.
func frameName(typ byte) string {
	if typ > ' ' && typ < 0x7f {
		return fmt.Sprintf("%q", typ)
	}
	return fmt.Sprintf("0x%02x", typ)
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
	if 4+len(path)+len(content) > maxOutputBytes {
		return fmt.Errorf("output %s: %d bytes, more than the %d a file may have to come back from the VM", path, len(content), maxOutputBytes)
	}
	return fw.send(frameFile, binary.BigEndian.AppendUint32(nil, uint32(len(path))), []byte(path), content)
}

// sendError sends a failure's message, cut to what a reader takes.
func (fw *frameWriter) sendError(err error) error {
	msg := err.Error()
	if len(msg) > maxMessage {
		msg = msg[:maxMessage-3] + "..."
	}
	return fw.send(frameError, []byte(msg))
}

func (fw *frameWriter) sendExit(code int) error {
	return fw.send(frameExit, binary.BigEndian.AppendUint32(nil, uint32(int32(code))))
}

func (fw *frameWriter) sendUint32(typ byte, v uint32) error {
	return fw.send(typ, binary.BigEndian.AppendUint32(nil, v))
}

func parseFile(p []byte) (path string, content []byte, err error) {
	if len(p) < 4 || int(binary.BigEndian.Uint32(p)) > len(p)-4 {
		return "", nil, fmt.Errorf("file frame of %d bytes: expected a path length and path; the channel is corrupt", len(p))
	}
	n := binary.BigEndian.Uint32(p)
	return string(p[4 : 4+n]), p[4+n:], nil
}

// streamWriter turns writes into frames of one type, at most maxChunk each, for the command's stdout and
// stderr.
type streamWriter struct {
	fw  *frameWriter
	typ byte
}

func (s streamWriter) Write(p []byte) (int, error) {
	for done := 0; done < len(p); {
		chunk := p[done:min(len(p), done+maxChunk)]
		if err := s.fw.send(s.typ, chunk); err != nil {
			return done, err
		}
		done += len(chunk)
	}
	return len(p), nil
}
