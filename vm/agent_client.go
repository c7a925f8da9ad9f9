package vm

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/lvslab/lvslab/vm/proto"
)

// ExecIO is what a command in the machine reads and writes, and what else reaches it while it runs.
type ExecIO struct {
	Stdin          io.Reader // nil: the command's stdin is empty
	Stdout, Stderr io.Writer // under a terminal, everything comes on Stdout
	Resize         <-chan [2]uint16
	Signals        <-chan syscall.Signal
}

// Exec runs a command in the machine and returns its exit status; 128+n when signal n killed it. When
// ctx ends, the connection closes and the agent hangs the command up (SIGHUP, then SIGKILL).
func (m *Machine) Exec(ctx context.Context, req proto.ExecRequest, io ExecIO) (int, error) {
	secret, err := hex.DecodeString(m.Secret)
	if err != nil || len(secret) != proto.AgentSecretLen {
		return 0, errors.New("the machine's record holds no valid secret")
	}
	var d net.Dialer
	dialCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := d.DialContext(dialCtx, "tcp", "127.0.0.1:"+strconv.Itoa(m.Port))
	cancel()
	if err != nil {
		return 0, fmt.Errorf("reaching the machine's agent on 127.0.0.1:%d: %w", m.Port, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	body, err := json.Marshal(req)
	if err != nil {
		return 0, err
	}
	// The secret and the request in one write: one segment through qemu's network for the agent to wait
	// for, not two.
	hello := bytes.NewBuffer(secret)
	_ = (proto.NewFrameWriter(hello)).Send(proto.FrameRequest, body) // a bytes.Buffer takes every write
	if _, err := conn.Write(hello.Bytes()); err != nil {
		return 0, err
	}
	fw := proto.NewFrameWriter(conn)
	credit := newCredit()
	defer credit.close()
	go sendInput(fw, io, credit)
	for {
		f, err := proto.ReadFrame(conn, proto.FromAgent)
		switch {
		case ctx.Err() != nil:
			return 0, ctx.Err()
		case err != nil:
			return 0, fmt.Errorf("the machine's agent: %w", err)
		}
		switch f.Type {
		case proto.FrameStdout:
			writeTo(io.Stdout, f.Payload)
		case proto.FrameStderr:
			writeTo(io.Stderr, f.Payload)
		case proto.FrameCredit:
			credit.add(int(binary.BigEndian.Uint32(f.Payload)))
		case proto.FrameExit:
			return int(int32(binary.BigEndian.Uint32(f.Payload))), nil
		case proto.FrameError:
			return 0, errors.New(string(f.Payload))
		}
	}
}

// credit is how much stdin the agent can take now; the sender waits for it.
type credit struct {
	mu     sync.Mutex
	n      int
	closed bool
	more   chan struct{}
}

func newCredit() *credit { return &credit{more: make(chan struct{}, 1)} }

func (c *credit) add(n int) {
	c.mu.Lock()
	c.n += n
	c.mu.Unlock()
	c.wake()
}

func (c *credit) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.wake()
}

func (c *credit) wake() {
	select {
	case c.more <- struct{}{}:
	default:
	}
}

// take waits until some credit is there and takes up to max of it; 0 once the connection is done.
func (c *credit) take(max int) int {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return 0
		}
		if c.n > 0 {
			n := min(c.n, max)
			c.n -= n
			c.mu.Unlock()
			return n
		}
		c.mu.Unlock()
		<-c.more
	}
}

// sendInput forwards stdin as far as the agent grants it, window sizes and signals, each on its own: a
// signal goes at once, whatever stdin is doing.
func sendInput(fw *proto.FrameWriter, eio ExecIO, credit *credit) {
	if eio.Stdin != nil {
		go sendStdin(fw, eio.Stdin, credit)
	} else {
		fw.Send(proto.FrameStdinEOF)
	}
	for eio.Resize != nil || eio.Signals != nil {
		select {
		case size, ok := <-eio.Resize:
			if !ok {
				eio.Resize = nil
				continue
			}
			b := binary.BigEndian.AppendUint16(nil, size[0])
			if fw.Send(proto.FrameResize, binary.BigEndian.AppendUint16(b, size[1])) != nil {
				return
			}
		case sig, ok := <-eio.Signals:
			if !ok {
				eio.Signals = nil
				continue
			}
			if fw.SendUint32(proto.FrameSignal, uint32(sig)) != nil {
				return
			}
		}
	}
}

// sendStdin reads stdin only when the agent has room for what it reads, and sends it.
func sendStdin(fw *proto.FrameWriter, stdin io.Reader, credit *credit) {
	buf := make([]byte, proto.MaxChunk)
	for {
		n := credit.take(len(buf))
		if n == 0 {
			return
		}
		got, err := stdin.Read(buf[:n])
		if got > 0 && fw.Send(proto.FrameStdin, buf[:got]) != nil {
			return
		}
		if got < n {
			credit.add(n - got)
		}
		if err != nil {
			fw.Send(proto.FrameStdinEOF)
			return
		}
	}
}
