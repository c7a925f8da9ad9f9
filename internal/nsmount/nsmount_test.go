//go:build linux

package nsmount

import "testing"

func TestParseMountinfoReadsNamespaceMounts(t *testing.T) {
	for line, want := range map[string]mountEntry{
		// A lab's namespace beneath iproute2's bind of /run/netns, then the copy on top.
		"65 45 0:4 net:[4026532239] /run/netns/x-rs1 rw - nsfs nsfs rw":                      {"net:[4026532239]", "/run/netns/x-rs1", "nsfs"},
		"68 66 0:4 net:[4026532239] /run/netns/x-rs1 rw shared:3 - nsfs nsfs rw":             {"net:[4026532239]", "/run/netns/x-rs1", "nsfs"},
		"66 45 254:0 /run/netns /run/netns rw,relatime shared:1 master:2 - ext4 /dev/vda rw": {"/run/netns", "/run/netns", "ext4"},
		`70 26 0:50 / /mnt/a\040b\134c rw - tmpfs tmpfs rw`:                                  {"/", `/mnt/a b\c`, "tmpfs"},
	} {
		got, ok := parseMountinfo(line)
		if !ok || got != want {
			t.Errorf("parseMountinfo(%q) = %+v, %v; want %+v", line, got, ok, want)
		}
	}
	for _, bad := range []string{"", "65 45 0:4 net:[1] /run/netns/x rw nsfs nsfs rw", "65 45 0:4 net:[1] /run/netns/x rw -"} {
		if m, ok := parseMountinfo(bad); ok {
			t.Errorf("parseMountinfo(%q) = %+v, want no entry", bad, m)
		}
	}
	for root, want := range map[string]uint64{"net:[4026532239]": 4026532239, "mnt:[4026532239]": 0, "net:[]": 0, "net:[0]": 0, "/": 0} {
		if got, ok := (mountEntry{Root: root, FSType: "nsfs"}).networkNamespace(); got != want || ok != (want != 0) {
			t.Errorf("networkNamespace of %s: %d, %v; want %d", root, got, ok, want)
		}
	}
	if _, ok := (mountEntry{Root: "net:[4026532239]", FSType: "tmpfs"}).networkNamespace(); ok {
		t.Error("a tmpfs was taken for a namespace")
	}
}
