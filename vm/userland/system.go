package userland

import (
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/lvslab/lvslab/debian"
)

// systemFiles are what a Debian system's maintainer scripts and installer make, which unpacked packages
// lack: the users and groups the programs look up (tcpdump drops to its own user), name lookups in files,
// and the folders a shell expects.
var systemFiles = map[string]string{
	"etc/passwd": "root:x:0:0:root:/root:/bin/bash\n" +
		"tcpdump:x:101:101::/nonexistent:/usr/sbin/nologin\n" +
		"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
	"etc/group":         "root:x:0:\ntcpdump:x:101:\nnogroup:x:65534:\n",
	"etc/hosts":         "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n",
	"etc/nsswitch.conf": "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n",
	"etc/hostname":      "lvslab\n",
}

// alternatives are the links update-alternatives would make for the programs scripts call by their
// generic names.
var alternatives = map[string]string{"usr/bin/awk": "gawk", "usr/bin/nawk": "gawk", "usr/bin/pager": "less"}

// writeSystemFiles adds them to what u unpacked, in each of its trees.
func writeSystemFiles(u *debian.Unpacker) error {
	for _, t := range u.Into {
		if err := systemFilesInto(t, u.Has); err != nil {
			return err
		}
	}
	return nil
}

func systemFilesInto(t debian.Tree, unpacked func(string) bool) error {
	for _, d := range []string{"root", "run", "proc", "sys", "dev", "home"} {
		if err := t.Dir(d, 0o755); err != nil {
			return err
		}
	}
	for _, d := range []string{"tmp", "var/tmp"} {
		if err := t.Dir(d, 0o777|fs.ModeSticky); err != nil {
			return err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(alternatives)) {
		if unpacked(name) {
			continue
		}
		if err := t.Symlink(alternatives[name], name); err != nil {
			return err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(systemFiles)) {
		body := systemFiles[name]
		if err := t.File(name, strings.NewReader(body), int64(len(body)), 0o644); err != nil {
			return err
		}
	}
	return nil
}
