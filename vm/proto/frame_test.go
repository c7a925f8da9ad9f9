package proto

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
		limits FrameLimits
		want   string
	}{
		{"stdin of 1 GiB after the handshake", header(FrameStdin, 1<<30), ToAgentInput, "declaring 1073741824 bytes: expected at most 65536"},
		{"a request of 1 GiB", header(FrameRequest, 1<<30), ToAgentRequest, "expected at most 1048576"},
		{"a file claiming 200 MiB, 10 bytes sent", append(header(FrameFile, 200<<20), make([]byte, 10)...), FromRunGuest, "cut short after 10 of 209715200 bytes"},
		{"no type at all", header(0, 0), ToAgentRequest, "type 0x00, which does not belong here"},
		{"stdin where a request belongs", header(FrameStdin, 1), ToAgentRequest, "type 'I', which does not belong here"},
		{"an exit of 5 bytes", header(FrameExit, 5), FromAgent, "expected at most 4"},
		{"an exit of 3 bytes", append(header(FrameExit, 3), 0, 0, 1), FromAgent, "expected exactly 4"},
		{"a credit of none", header(FrameCredit, 0), FromAgent, "expected exactly 4"},
	}
	for _, c := range cases {
		var err error
		bytesTaken := allocated(func() { _, err = ReadFrame(bytes.NewReader(c.stream), c.limits) })
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error with %q", c.name, err, c.want)
		}
		if bytesTaken > 1<<20 {
			t.Errorf("%s: reading it allocated %d bytes", c.name, bytesTaken)
		}
	}
	f, err := ReadFrame(bytes.NewReader(append(header(FrameFile, 3<<20), make([]byte, 3<<20)...)), FromRunGuest)
	if err != nil || f.Type != FrameFile || len(f.Payload) != 3<<20 {
		t.Errorf("a whole file of 3 MiB: %v, %d bytes", err, len(f.Payload))
	}
}

// Frames out of a stream writer are never larger than a reader takes.
func TestStreamWriterKeepsFramesWithinTheLimit(t *testing.T) {
	var buf bytes.Buffer
	big := bytes.Repeat([]byte("x"), 3*MaxChunk+7)
	if n, err := (StreamWriter{NewFrameWriter(&buf), FrameStdout}).Write(big); err != nil || n != len(big) {
		t.Fatalf("Write: %d, %v", n, err)
	}
	var got []byte
	for {
		f, err := ReadFrame(&buf, FromAgent)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, f.Payload...)
	}
	if !bytes.Equal(got, big) {
		t.Errorf("got %d bytes back, want %d", len(got), len(big))
	}
}

// The guest's timings are data from outside: a frame that breaks their bounds is refused, whole.
func TestParseTimingsRefusesWhatIsOutOfBounds(t *testing.T) {
	good := `[{"phase":"init","at_ns":1500000000},{"phase":"command exited","at_ns":2000000000}]`
	if ts, err := ParseTimings([]byte(good)); err != nil || len(ts) != 2 {
		t.Fatalf("parseTimings(%s) = %v, %v", good, ts, err)
	}
	for _, bad := range []string{
		`[{"phase":"","at_ns":1}]`,
		`[{"phase":"init","at_ns":-1}]`,
		`[{"phase":"init","at_ns":2592000000000001}]`,
		`[{"phase":"b","at_ns":2},{"phase":"a","at_ns":1}]`,
		`[` + strings.Repeat(`{"phase":"x","at_ns":1},`, MaxTimings) + `{"phase":"x","at_ns":1}]`,
		`{"phase":"init"}`,
	} {
		if ts, err := ParseTimings([]byte(bad)); err == nil {
			t.Errorf("parseTimings(%.60s) = %v, want an error", bad, ts)
		}
	}
}
