package vm

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestFindQemuWhereInstallersPutIt: qemu off $PATH is found where Homebrew, MacPorts or qemu's Windows
// installer put it, and where it is nowhere, the error says how to install it on that OS.
func TestFindQemuWhereInstallersPutIt(t *testing.T) {
	arm64 := guestArches[1]
	only := func(path string) func(string) (string, error) {
		return func(name string) (string, error) {
			if name == path {
				return path, nil
			}
			return "", errors.New("not found")
		}
	}
	for _, c := range []struct{ goos, at string }{
		{"darwin", "/opt/homebrew/bin/qemu-system-aarch64"},
		{"darwin", "/opt/local/bin/qemu-system-aarch64"},
		{"windows", filepath.Join(`C:\Program Files\qemu`, "qemu-system-aarch64.exe")},
		{"linux", "qemu-system-aarch64"},
	} {
		if got, err := findQemuOn(c.goos, arm64, only(c.at)); err != nil || got != c.at {
			t.Errorf("%s, qemu at %s: got %q, %v", c.goos, c.at, got, err)
		}
	}
	for goos, hint := range map[string]string{"darwin": "brew install qemu", "windows": "winget install", "linux": "apt-get install qemu-system-arm"} {
		_, err := findQemuOn(goos, arm64, only("/nowhere"))
		if err == nil || !strings.Contains(err.Error(), hint) || !strings.Contains(err.Error(), "qemu-system-aarch64 not found") {
			t.Errorf("%s, no qemu: got %v, want the install hint %q", goos, err, hint)
		}
	}
}
