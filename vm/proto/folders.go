package proto

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// guestOwn are the folders of a machine's commands that are the machine's own, not the host's.
var guestOwn = []string{"/dev", "/proc", "/sys", "/run"}

// GuestOwn tells whether dir, a host folder, is one a machine's commands see as the machine's own (/dev,
// /proc, /sys, /run): a command run there from the host would not find the host's folder.
func GuestOwn(dir string) bool { return WithinAny(filepath.Clean(dir), guestOwn) }

// Within tells whether path is dir or under it.
func Within(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, strings.TrimSuffix(dir, "/")+"/")
}

// WithinAny tells whether path is one of dirs or under one.
func WithinAny(path string, dirs []string) bool {
	for _, d := range dirs {
		if Within(path, d) {
			return true
		}
	}
	return false
}

// FillsFolder tells whether dir is a folder with something in it, reading no more than one name: in a
// userland, such a folder is the userland's own (/usr/bin), where an empty one (/tmp, /root) is not.
func FillsFolder(dir string) bool {
	f, err := os.Open(dir)
	if err != nil {
		return false
	}
	defer f.Close()
	names, _ := f.Readdirnames(1)
	return len(names) > 0
}

// ArgFolders are the host folders a command's arguments name: each argument, or what follows "=" in one
// (--file=/x), that is an absolute path, or a relative one with a slash in it, of something on the host
// (stat says whether it is there, and a folder): the folder itself, or the one that holds the file. An
// argument without a slash lies in dir, which is shown anyway.
func ArgFolders(args []string, dir string, stat func(path string) (isDir, ok bool)) []string {
	var out []string
	for _, a := range args {
		if i := strings.IndexByte(a, '='); i >= 0 && strings.HasPrefix(a, "-") {
			a = a[i+1:]
		}
		if !strings.Contains(a, "/") {
			continue
		}
		if !filepath.IsAbs(a) {
			a = filepath.Join(dir, a)
		}
		a = filepath.Clean(a)
		isDir, ok := stat(a)
		switch {
		case !ok:
		case isDir:
			out = append(out, a)
		default:
			out = append(out, filepath.Dir(a))
		}
	}
	return out
}

// StatUnder is ArgFolders' stat for the host's files as they are under root ("" on the host itself, the
// host's share in the guest): whether path is there, and a folder.
func StatUnder(root string) func(path string) (isDir, ok bool) {
	return func(path string) (bool, bool) {
		st, err := os.Stat(filepath.Join(root, path))
		return err == nil && st.IsDir(), err == nil
	}
}

// Topmost are the folders to show a command, each once: never /, the machine's own (GuestOwn), nor one
// within share (the host's already) or within another of them; parents first.
func Topmost(folders []string, share string) []string {
	sorted := append([]string(nil), folders...)
	sort.Slice(sorted, func(i, j int) bool { return len(sorted[i]) < len(sorted[j]) })
	var out []string
	for _, d := range sorted {
		if d == "/" || !filepath.IsAbs(d) || GuestOwn(d) || (share != "" && Within(d, share)) {
			continue
		}
		if !WithinAny(d, out) {
			out = append(out, d)
		}
	}
	return out
}
