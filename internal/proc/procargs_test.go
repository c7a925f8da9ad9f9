package proc

import "testing"

func TestParseProcargs2(t *testing.T) {
	record := func(argc byte, s string) []byte { return append([]byte{argc, 0, 0, 0}, s...) }
	good := record(3, "/opt/homebrew/bin/qemu-system-aarch64\x00\x00\x00\x00qemu-system-aarch64\x00-name\x00lvslab-1\x00HOME=/Users/a\x00")
	got, err := parseProcargs2(good)
	if want := "qemu-system-aarch64\x00-name\x00lvslab-1\x00"; err != nil || string(got) != want {
		t.Errorf("got %q, %v; want %q (the arguments, not the path or the environment)", got, err, want)
	}
	for name, bad := range map[string][]byte{
		"too short":         {1, 0},
		"path not ended":    record(1, "/bin/qemu"),
		"argument cut off":  record(2, "/bin/qemu\x00qemu\x00-na"),
		"absurd argc":       {0xff, 0xff, 0xff, 0x7f, '/', 0},
		"more args claimed": record(3, "/bin/qemu\x00qemu\x00"),
	} {
		if _, err := parseProcargs2(bad); err == nil {
			t.Errorf("%s: accepted %q", name, bad)
		}
	}
}
