package vm

import (
	"bytes"
	"strings"
	"sync"
	"time"

	"github.com/lvslab/lvslab/vm/proto"
)

const consoleTailLines = 50

// consoleTail copies the kernel console to an optional writer, keeps its last lines for error messages
// and notes when /init announced itself.
type consoleTail struct {
	mu      sync.Mutex
	lines   []string
	partial []byte
	initAt  time.Time
	// initSeen, if not nil, is closed when the marker arrives; if nil, the marker is not looked for (a
	// console anyone could have connected is not believed about it).
	initSeen chan struct{}
}

func (c *consoleTail) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.partial = append(c.partial, p...)
	for {
		i := bytes.IndexByte(c.partial, '\n')
		if i < 0 {
			break
		}
		line := strings.TrimRight(string(c.partial[:i]), "\r")
		c.partial = c.partial[i+1:]
		if c.initSeen != nil && c.initAt.IsZero() && strings.Contains(line, proto.InitMarker) {
			c.initAt = time.Now()
			close(c.initSeen)
		}
		c.lines = append(c.lines, line)
		if len(c.lines) > consoleTailLines {
			c.lines = c.lines[len(c.lines)-consoleTailLines:]
		}
	}
	return len(p), nil
}

func (c *consoleTail) initTime() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.initAt
}

// String is the tail, indented, for an error message.
func (c *consoleTail) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	lines := c.lines
	if len(c.partial) > 0 {
		lines = append(lines[:len(lines):len(lines)], string(c.partial))
	}
	if len(lines) == 0 {
		return "\nthe kernel console was silent"
	}
	return "\nlast lines of the kernel console:\n  " + strings.Join(lines, "\n  ")
}
