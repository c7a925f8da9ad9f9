// Package syncbuf is a buffer that one goroutine reads while another (or a process) writes it: tests
// follow a command's output as it comes.
package syncbuf

import (
	"strings"
	"sync"
)

// Buffer is a strings.Builder safe for a reader and a writer at once.
type Buffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
