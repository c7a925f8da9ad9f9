package vm

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// systemFolders are the host's own: a machine never gets one writable, nor a folder under one. A lab's
// commands run as root in the machine; what they may write on the host is the user's folder, nothing else.
var systemFolders = []string{"/dev", "/proc", "/sys", "/run", "/var/run", "/var/lib", "/var/cache", "/var/log",
	"/boot", "/etc", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}

// CheckShare says why dir may not be the folder a machine shares read-write (Options.Share), or nil. dir
// must be absolute, clean and free of symbolic links (filepath.EvalSymlinks); private are folders of
// lvslab's own that the machine must not write, nor share a folder around them (its records, say).
func CheckShare(dir string, private ...string) error {
	if !filepath.IsAbs(dir) || filepath.Clean(dir) != dir {
		return fmt.Errorf("folder %q: expected an absolute, clean path", dir)
	}
	if strings.ContainsAny(dir, "\x00\n") {
		return fmt.Errorf("folder %q: a path with a newline or NUL cannot be shared", dir)
	}
	if dir == "/" {
		return fmt.Errorf("/ is the host's whole filesystem")
	}
	for _, sys := range systemFolders {
		if within(dir, sys) {
			return fmt.Errorf("%s is a system folder (under %s)", dir, sys)
		}
	}
	for _, p := range private {
		if p = filepath.Clean(p); within(dir, p) || within(p, dir) {
			return fmt.Errorf("%s holds or is inside lvslab's own %s", dir, p)
		}
	}
	return nil
}

// within tells whether path is dir or under it.
func within(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, strings.TrimSuffix(dir, "/")+"/")
}

// qemuOption escapes a value for qemu's key=value,... options: a comma is written twice.
func qemuOption(v string) string { return strings.ReplaceAll(v, ",", ",,") }

// checkShare refuses a shared folder that is not one, one CheckShare refuses, or one inside the kernel
// cache (a folder around the cache may be shared: it is the user's home, often).
func (o *Options) checkShare() error {
	if o.Share == "" {
		return nil
	}
	err := CheckShare(o.Share)
	cache := o.Cache
	if cache == "" {
		cache, _ = CacheDir()
	}
	if err == nil && cache != "" && within(o.Share, filepath.Clean(cache)) {
		err = fmt.Errorf("%s is inside lvslab's kernel cache", o.Share)
	}
	if err != nil {
		return fmt.Errorf("sharing a folder with the machine: %w", err)
	}
	if st, err := os.Stat(o.Share); err != nil || !st.IsDir() {
		return fmt.Errorf("sharing %s with the machine: expected a folder on the host: %v", o.Share, statWhy(err))
	}
	return nil
}
