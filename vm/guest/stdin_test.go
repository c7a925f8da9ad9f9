//go:build linux

package guest

import (
	"io"
	"testing"

	"github.com/lvslab/lvslab/vm/proto"
)

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
	if granted[0] != proto.StdinWindow {
		t.Fatalf("first grant %d, want the window %d", granted[0], proto.StdinWindow)
	}
	if err := p.push(make([]byte, proto.StdinWindow+1)); err == nil {
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
