package vm

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"syscall"
	"time"
)

// ExecIO is what a command in the machine reads and writes, and what else reaches it while it runs.
type ExecIO struct {
	Stdin          io.Reader // nil: the command's stdin is empty
	Stdout, Stderr io.Writer // under a terminal, everything comes on Stdout
	Resize         <-chan [2]uint16
	Signals        <-chan syscall.Signal
}

// Exec runs a command in the machine and returns its exit status; 128+n when signal n killed it. When
// ctx ends, the connection closes and the agent kills the command.
func (m *Machine) Exec(ctx context.Context, req ExecRequest, io ExecIO) (int, error) {
	secret, err := hex.DecodeString(m.Secret)
	if err != nil || len(secret) != agentSecretLen {
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
	fw := &frameWriter{w: conn}
	if _, err := conn.Write(secret); err != nil {
		return 0, err
	}
	if err := fw.send(frameRequest, body); err != nil {
		return 0, err
	}
	go sendInput(fw, io)
	for {
		f, err := readFrame(conn)
		switch {
		case ctx.Err() != nil:
			return 0, ctx.Err()
		case err != nil:
			return 0, fmt.Errorf("the machine's agent: %w", err)
		}
		switch f.typ {
		case frameStdout:
			writeTo(io.Stdout, f.payload)
		case frameStderr:
			writeTo(io.Stderr, f.payload)
		case frameExit:
			if len(f.payload) != 4 {
				return 0, errors.New("the machine's agent sent a malformed exit status")
			}
			return int(int32(binary.BigEndian.Uint32(f.payload))), nil
		case frameError:
			return 0, errors.New(string(f.payload))
		}
	}
}

// sendInput forwards stdin, window sizes and signals until stdin ends; then sizes and signals still.
func sendInput(fw *frameWriter, eio ExecIO) {
	if eio.Stdin != nil {
		go func() {
			buf := make([]byte, 32<<10)
			for {
				n, err := eio.Stdin.Read(buf)
				if n > 0 && fw.send(frameStdin, buf[:n]) != nil {
					return
				}
				if err != nil {
					fw.send(frameStdinEOF)
					return
				}
			}
		}()
	} else {
		fw.send(frameStdinEOF)
	}
	if eio.Resize == nil && eio.Signals == nil {
		return
	}
	for {
		select {
		case size, ok := <-eio.Resize:
			if !ok {
				eio.Resize = nil
				continue
			}
			b := binary.BigEndian.AppendUint16(nil, size[0])
			if fw.send(frameResize, binary.BigEndian.AppendUint16(b, size[1])) != nil {
				return
			}
		case sig, ok := <-eio.Signals:
			if !ok {
				eio.Signals = nil
				continue
			}
			if fw.send(frameSignal, binary.BigEndian.AppendUint32(nil, uint32(sig))) != nil {
				return
			}
		}
		if eio.Resize == nil && eio.Signals == nil {
			return
		}
	}
}
