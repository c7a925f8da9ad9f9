package vm

import (
	"bytes"
	"encoding/binary"
	"io"
	"runtime"
	"strings"
	"testing"
)

func header(typ byte, n uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte{typ}, n)
}

// allocated is how many bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A frame's length comes from the other side: what it claims costs nothing until its bytes arrive, and a
// claim beyond the type's limit, or a type the reader does not expect, ends the stream.
func TestReadFrameBoundsWhatTheOtherSideClaims(t *testing.T) {
	cases := []struct {
		name   string
		stream []byte
		limits frameLimits
		want   string
	}{
		{"stdin of 1 GiB after the handshake", header(frameStdin, 1<<30), toAgentInput, "declaring 1073741824 bytes: expected at most 65536"},
		{"a request of 1 GiB", header(frameRequest, 1<<30), toAgentRequest, "expected at most 1048576"},
		{"a file claiming 200 MiB, 10 bytes sent", append(header(frameFile, 200<<20), make([]byte, 10)...), fromRunGuest, "cut short after 10 of 209715200 bytes"},
		{"no type at all", header(0, 0), toAgentRequest, "type 0x00, which does not belong here"},
		{"stdin where a request belongs", header(frameStdin, 1), toAgentRequest, "type 'I', which does not belong here"},
		{"an exit of 5 bytes", header(frameExit, 5), fromAgent, "expected at most 4"},
		{"an exit of 3 bytes", append(header(frameExit, 3), 0, 0, 1), fromAgent, "expected exactly 4"},
		{"a credit of none", header(frameCredit, 0), fromAgent, "expected exactly 4"},
	}
	for _, c := range cases {
		var err error
		bytesTaken := allocated(func() { _, err = readFrame(bytes.NewReader(c.stream), c.limits) })
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error with %q", c.name, err, c.want)
		}
		if bytesTaken > 1<<20 {
			t.Errorf("%s: reading it allocated %d bytes", c.name, bytesTaken)
		}
	}
	f, err := readFrame(bytes.NewReader(append(header(frameFile, 3<<20), make([]byte, 3<<20)...)), fromRunGuest)
	if err != nil || f.typ != frameFile || len(f.payload) != 3<<20 {
		t.Errorf("a whole file of 3 MiB: %v, %d bytes", err, len(f.payload))
	}
}

// Frames out of a stream writer are never larger than a reader takes.
func TestStreamWriterKeepsFramesWithinTheLimit(t *testing.T) {
	var buf bytes.Buffer
	big := bytes.Repeat([]byte("x"), 3*maxChunk+7)
	if n, err := (streamWriter{&frameWriter{w: &buf}, frameStdout}).Write(big); err != nil || n != len(big) {
		t.Fatalf("Write: %d, %v", n, err)
	}
	var got []byte
	for {
		f, err := readFrame(&buf, fromAgent)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, f.payload...)
	}
	if !bytes.Equal(got, big) {
		t.Errorf("got %d bytes back, want %d", len(got), len(big))
	}
}

// The agent takes stdin only as far as it granted it, and grants more as the command reads it.
func TestStdinPumpKeepsToItsWindow(t *testing.T) {
	p := newStdinPump()
	if err := p.push([]byte("x")); err == nil {
		t.Error("stdin accepted before any grant")
	}
	r, w := io.Pipe()
	var granted []uint32
	grants := make(chan struct{}, 16)
	go p.run(w, true, func(n uint32) error { granted = append(granted, n); grants <- struct{}{}; return nil })
	<-grants
	if granted[0] != stdinWindow {
		t.Fatalf("first grant %d, want the window %d", granted[0], stdinWindow)
	}
	if err := p.push(make([]byte, stdinWindow+1)); err == nil {
		t.Error("more stdin than the window accepted")
	}
	p.push([]byte("hello "))
	p.push([]byte("world"))
	p.end()
	got, _ := io.ReadAll(r)
	<-grants
	<-grants
	if string(got) != "hello world" || granted[1] != 6 || granted[2] != 5 {
		t.Errorf("the command read %q; grants %v", got, granted)
	}
}

// The client takes what the agent granted, never more, and nothing once the connection is done.
func TestCreditGivesWhatTheAgentGranted(t *testing.T) {
	c := newCredit()
	c.add(4)
	if n := c.take(10); n != 4 {
		t.Errorf("took %d, want the 4 granted", n)
	}
	c.add(10)
	if a, b := c.take(6), c.take(6); a != 6 || b != 4 {
		t.Errorf("took %d then %d of 10, want 6 then 4", a, b)
	}
	c.close()
	if n := c.take(10); n != 0 {
		t.Errorf("took %d after close, want 0", n)
	}
}

// The guest's timings are data from outside: a frame that breaks their bounds is refused, whole.
func TestParseTimingsRefusesWhatIsOutOfBounds(t *testing.T) {
	good := `[{"phase":"init","at_ns":1500000000},{"phase":"command exited","at_ns":2000000000}]`
	if ts, err := parseTimings([]byte(good)); err != nil || len(ts) != 2 {
		t.Fatalf("parseTimings(%s) = %v, %v", good, ts, err)
	}
	for _, bad := range []string{
		`[{"phase":"","at_ns":1}]`,
		`[{"phase":"init","at_ns":-1}]`,
		`[{"phase":"init","at_ns":2592000000000001}]`,
		`[{"phase":"b","at_ns":2},{"phase":"a","at_ns":1}]`,
		`[` + strings.Repeat(`{"phase":"x","at_ns":1},`, maxTimings) + `{"phase":"x","at_ns":1}]`,
		`{"phase":"init"}`,
	} {
		if ts, err := parseTimings([]byte(bad)); err == nil {
			t.Errorf("parseTimings(%.60s) = %v, want an error", bad, ts)
		}
	}
}
