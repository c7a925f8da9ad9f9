package ctxio

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

// A copy through Reader reads everything while its context lasts, and nothing once it has ended.
func TestReaderStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := Reader(ctx, strings.NewReader("data"))
	if got, err := io.ReadAll(r); err != nil || string(got) != "data" {
		t.Fatalf("got %q, %v", got, err)
	}
	cancel()
	if n, err := Reader(ctx, strings.NewReader("more")).Read(make([]byte, 4)); n != 0 || !errors.Is(err, context.Canceled) {
		t.Errorf("after cancel: read %d, %v", n, err)
	}
}
