package userland

import (
	"os"
	"path/filepath"
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

func writeSystemFiles(root string) error {
	for _, d := range []string{"root", "tmp", "var/tmp", "run", "proc", "sys", "dev", "home"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return err
		}
	}
	for _, d := range []string{"tmp", "var/tmp"} {
		if err := os.Chmod(filepath.Join(root, d), 0o777|os.ModeSticky); err != nil {
			return err
		}
	}
	for name, target := range alternatives {
		p := filepath.Join(root, name)
		if _, err := os.Lstat(p); err == nil {
			continue
		}
		if err := os.Symlink(target, p); err != nil {
			return err
		}
	}
	for name, body := range systemFiles {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		os.Remove(p)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return err
		}
	}
	return nil
}
