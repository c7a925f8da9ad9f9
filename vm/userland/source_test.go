package userland

import (
	"strings"
	"testing"
)

// TestHostUserlandOnlyOnLinux: a Mac's or Windows's own programs cannot run in the Linux guest.
func TestHostUserlandOnlyOnLinux(t *testing.T) {
	if got, err := sourceOn("linux", FromHost); err != nil || got != FromHost {
		t.Errorf("Linux, --userland host: got %q, %v", got, err)
	}
	for _, goos := range []string{"darwin", "windows"} {
		if _, err := sourceOn(goos, FromHost); err == nil || !strings.Contains(err.Error(), "use debian") {
			t.Errorf("%s, --userland host: got %v, want it refused, naming debian", goos, err)
		}
		if got, err := sourceOn(goos, ""); err != nil || got != FromDebian {
			t.Errorf("%s, no --userland: got %q, %v, want debian", goos, got, err)
		}
	}
}
