// Package proto is what the microVM's host and guest say to each other: the frames on the virtio serial
// port and on an agent's connection, each reader's limits, the job the host gives the guest's /init, and
// the guest's boot timings.
package proto

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
)

// Frames from the guest to the host: a type byte, a big-endian uint32 payload length, the payload.
const (
	FrameHello   = 'H' // /init reached the host; payload empty
	FrameStdout  = 'O'
	FrameStderr  = 'E'
	FrameFile    = 'F' // uint32 path length, path, content
	FrameExit    = 'X' // int32 exit code; the last frame
	FrameError   = '!' // /init failed; payload is the message; the last frame
	FrameTimings = 'T' // the phases /init went through, as JSON []Timing
	// Host to guest: the host has read the last frame. Until then the guest does not power off: its frames
	// may still wait in qemu's queue (a busy host reads late), and a power-off loses them.
	FrameReceived = 'A'
)

// Sizes the writers keep to, and the readers hold them to.
const (
	MaxChunk       = 64 << 10  // a piece of a stream: stdout, stderr, stdin
	MaxMessage     = 64 << 10  // an error's text
	MaxOutputBytes = 256 << 20 // a file the command wrote (Options.Outputs), path included
)

// FrameLimits are the frames a reader accepts, each with the largest payload it takes. A frame's length
// comes from the other side: it is checked against the type's limit before anything is allocated, and a
// type the reader does not expect ends the stream.
type FrameLimits map[byte]uint32

// What each reader accepts.
var (
	// The channel of a machine that runs one command (Run), guest to host.
	FromRunGuest = FrameLimits{FrameHello: 0, FrameStdout: MaxChunk, FrameStderr: MaxChunk,
		FrameFile: MaxOutputBytes, FrameExit: 4, FrameError: MaxMessage, FrameTimings: MaxTimingsBytes}
	// The same channel, host to guest.
	FromRunHost = FrameLimits{FrameReceived: 0}
	// The control channel of a machine that serves (Boot), guest to host, until it detaches.
	FromBootingGuest = FrameLimits{FrameHello: 0, FrameReady: 0, FrameError: MaxMessage, FrameTimings: MaxTimingsBytes}
	// The control channel, host to guest.
	FromBootingHost = FrameLimits{FrameDetach: 0}
	// An agent connection, host to guest: the request first, then input.
	ToAgentRequest = FrameLimits{FrameRequest: MaxRequestBytes}
	ToAgentInput   = FrameLimits{FrameStdin: MaxChunk, FrameStdinEOF: 0, FrameResize: 4, FrameSignal: 4}
	// An agent connection, guest to host.
	FromAgent = FrameLimits{FrameStdout: MaxChunk, FrameStderr: MaxChunk, FrameCredit: 4, FrameExit: 4, FrameError: MaxMessage}
)

// fixedSize are the frames whose payload has one size, which their readers count on.
var fixedSize = map[byte]uint32{FrameExit: 4, FrameCredit: 4, FrameResize: 4, FrameSignal: 4, FrameHello: 0,
	FrameReady: 0, FrameDetach: 0, FrameStdinEOF: 0, FrameReceived: 0}

// Frame is one frame: its type and payload.
type Frame struct {
	Type    byte
	Payload []byte
}

// ReadFrame reads one frame that limits accept. A large payload is read as it comes, so that a length
// the other side claims costs memory only once its bytes arrive.
func ReadFrame(r io.Reader, limits FrameLimits) (Frame, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return Frame{}, err
	}
	typ, n := hdr[0], binary.BigEndian.Uint32(hdr[1:])
	limit, ok := limits[typ]
	fixed, isFixed := fixedSize[typ]
	switch {
	case !ok:
		return Frame{}, fmt.Errorf("a frame of type %s, which does not belong here; the channel is corrupt", FrameName(typ))
	case n > limit:
		return Frame{}, fmt.Errorf("a frame of type %s declaring %d bytes: expected at most %d; the channel is corrupt", FrameName(typ), n, limit)
	case isFixed && n != fixed:
		return Frame{}, fmt.Errorf("a frame of type %s declaring %d bytes: expected exactly %d; the channel is corrupt", FrameName(typ), n, fixed)
	}
	f := Frame{Type: typ}
	if n <= MaxChunk {
		f.Payload = make([]byte, n)
		if _, err := io.ReadFull(r, f.Payload); err != nil {
			return Frame{}, fmt.Errorf("a frame of type %s cut short: %w", FrameName(typ), err)
		}
		return f, nil
	}
	var buf bytes.Buffer
	if got, err := io.CopyN(&buf, r, int64(n)); err != nil {
		return Frame{}, fmt.Errorf("a frame of type %s cut short after %d of %d bytes: %w", FrameName(typ), got, n, err)
	}
	f.Payload = buf.Bytes()
	return f, nil
}

// FrameName shows a frame type for a person: the letter, or its code when it is not printable.
func FrameName(typ byte) string {
	if typ > ' ' && typ < 0x7f {
		return fmt.Sprintf("%q", typ)
	}
	return fmt.Sprintf("0x%02x", typ)
}

// FrameWriter serializes frames from several goroutines onto one channel.
type FrameWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// NewFrameWriter writes frames to w.
func NewFrameWriter(w io.Writer) *FrameWriter { return &FrameWriter{w: w} }

func (fw *FrameWriter) Send(typ byte, parts ...[]byte) error {
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

func (fw *FrameWriter) SendFile(path string, content []byte) error {
	if 4+len(path)+len(content) > MaxOutputBytes {
		return fmt.Errorf("output %s: %d bytes, more than the %d a file may have to come back from the VM", path, len(content), MaxOutputBytes)
	}
	return fw.Send(FrameFile, binary.BigEndian.AppendUint32(nil, uint32(len(path))), []byte(path), content)
}

// sendError sends a failure's message, cut to what a reader takes.
func (fw *FrameWriter) SendError(err error) error {
	msg := err.Error()
	if len(msg) > MaxMessage {
		msg = msg[:MaxMessage-3] + "..."
	}
	return fw.Send(FrameError, []byte(msg))
}

func (fw *FrameWriter) SendExit(code int) error {
	return fw.Send(FrameExit, binary.BigEndian.AppendUint32(nil, uint32(int32(code))))
}

func (fw *FrameWriter) SendUint32(typ byte, v uint32) error {
	return fw.Send(typ, binary.BigEndian.AppendUint32(nil, v))
}

func ParseFile(p []byte) (path string, content []byte, err error) {
	if len(p) < 4 || int(binary.BigEndian.Uint32(p)) > len(p)-4 {
		return "", nil, fmt.Errorf("file frame of %d bytes: expected a path length and path; the channel is corrupt", len(p))
	}
	n := binary.BigEndian.Uint32(p)
	return string(p[4 : 4+n]), p[4+n:], nil
}

// StreamWriter turns writes into frames of one type, at most MaxChunk each, for the command's stdout and
// stderr.
type StreamWriter struct {
	FW   *FrameWriter
	Type byte
}

func (s StreamWriter) Write(p []byte) (int, error) {
	for done := 0; done < len(p); {
		chunk := p[done:min(len(p), done+MaxChunk)]
		if err := s.FW.Send(s.Type, chunk); err != nil {
			return done, err
		}
		done += len(chunk)
	}
	return len(p), nil
}
