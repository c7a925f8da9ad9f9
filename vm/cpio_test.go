package vm

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

type cpioEntry struct {
	name           string
	mode           uint32
	rmajor, rminor int
	data           string
}

// parseCpio reads a newc archive back, checking the header magic, padding and trailer on the way.
func parseCpio(b []byte) ([]cpioEntry, error) {
	var out []cpioEntry
	off := 0
	for {
		if off+110 > len(b) {
			return nil, fmt.Errorf("offset %d: truncated header", off)
		}
		h := string(b[off : off+110])
		if h[:6] != "070701" {
			return nil, fmt.Errorf("offset %d: magic %q, want 070701", off, h[:6])
		}
		field := func(i int) int {
			v, _ := strconv.ParseUint(h[6+8*i:14+8*i], 16, 32)
			return int(v)
		}
		namesize, filesize := field(11), field(6)
		name := string(b[off+110 : off+110+namesize-1])
		if b[off+110+namesize-1] != 0 {
			return nil, fmt.Errorf("%s: name not NUL-terminated", name)
		}
		off = align4(off + 110 + namesize)
		if name == "TRAILER!!!" {
			if off != len(b) {
				return nil, fmt.Errorf("%d bytes after the trailer", len(b)-off)
			}
			return out, nil
		}
		out = append(out, cpioEntry{name, uint32(field(1)), field(9), field(10), string(b[off : off+filesize])})
		off = align4(off + filesize)
	}
}

func TestCpioRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	c := &cpioWriter{w: &buf}
	c.Dir("dev", 0o755)
	c.CharDev("dev/console", 0o600, 5, 1)
	c.File("init", 0o755, 5, strings.NewReader("hello"))
	c.File("empty", 0o644, 0, strings.NewReader(""))
	c.File("odd", 0o644, 3, strings.NewReader("abc"))
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := parseCpio(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	want := []cpioEntry{
		{"dev", cpioDir | 0o755, 0, 0, ""},
		{"dev/console", cpioChar | 0o600, 5, 1, ""},
		{"init", cpioFile | 0o755, 0, 0, "hello"},
		{"empty", cpioFile | 0o644, 0, 0, ""},
		{"odd", cpioFile | 0o644, 0, 0, "abc"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("read back\n%v\nwant\n%v", got, want)
	}
}

func TestCpioShortFile(t *testing.T) {
	c := &cpioWriter{w: &bytes.Buffer{}}
	c.File("init", 0o755, 10, strings.NewReader("short"))
	if err := c.Close(); err == nil || !strings.Contains(err.Error(), "init") {
		t.Errorf("a file shorter than its size: got %v, want an error naming it", err)
	}
}

func align4(n int) int { return (n + 3) &^ 3 }
