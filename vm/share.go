package vm

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/lvslab/lvslab/vm/kernel"
	"github.com/lvslab/lvslab/vm/proto"
)

// systemFolders are the host's own: a machine never gets one writable, nor a folder under one or around
// one. A lab's commands run as root in the machine; what they may write on the host is a folder of the
// user's, nothing else.
var systemFolders = []string{"/dev", "/proc", "/sys", "/run", "/boot", "/etc", "/usr", "/bin", "/sbin",
	"/lib", "/lib32", "/lib64", "/libx32", "/var", "/nix", "/snap", "/gnu"}

// usersFolders are the folders under a system folder that hold users' files.
var usersFolders = []string{"/var/tmp"}

// topLevelHomes are the top-level folders that are a user's own: root's home. Any other top-level folder
// (/home, /tmp, /opt, /srv, /mnt, ...) holds what belongs to others.
var topLevelHomes = []string{"/root"}

// CheckShare says why dir may not be the folder a machine shares read-write (Options.Share), or nil: it must
// be a folder of a user's, not /, not a top-level folder but root's home, not in or around a system folder.
// dir must be absolute, clean and free of symbolic links (filepath.EvalSymlinks); private are folders of
// lvslab's own that the machine must not write, nor share a folder around them (its records, say).
func CheckShare(dir string, private ...string) error {
	switch {
	case !ninePShares:
		return errors.New("this host's qemu has no 9p shares (Windows)")
	case !filepath.IsAbs(dir) || filepath.Clean(dir) != dir:
		return fmt.Errorf("folder %q: expected an absolute, clean path", dir)
	case strings.ContainsAny(dir, "\x00\n"):
		return fmt.Errorf("folder %q: a path with a newline or NUL cannot be shared", dir)
	case dir == "/":
		return fmt.Errorf("/ is the host's whole filesystem")
	}
	for _, sys := range systemFolders {
		switch {
		case proto.Within(sys, dir):
			return fmt.Errorf("%s holds the system folder %s", dir, sys)
		case proto.Within(dir, sys) && !proto.WithinAny(dir, usersFolders):
			return fmt.Errorf("%s is a system folder (under %s)", dir, sys)
		}
	}
	if strings.Count(dir, "/") == 1 && !proto.WithinAny(dir, topLevelHomes) {
		return fmt.Errorf("%s is a top-level folder, which holds what belongs to others: share a folder in it", dir)
	}
	for _, p := range private {
		if p = filepath.Clean(p); proto.Within(dir, p) || proto.Within(p, dir) {
			return fmt.Errorf("%s holds or is inside lvslab's own %s", dir, p)
		}
	}
	return nil
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
		cache, _ = kernel.CacheDir()
	}
	if err == nil && cache != "" && proto.Within(o.Share, filepath.Clean(cache)) {
		err = fmt.Errorf("%s is inside lvslab's kernel cache", o.Share)
	}
	if err != nil {
		return fmt.Errorf("sharing a folder with the machine: %w", err)
	}
	if st, err := os.Stat(o.Share); err != nil || !st.IsDir() {
		return fmt.Errorf("sharing %s with the machine: expected a folder on the host: %v", o.Share, dirWhy(err))
	}
	return nil
}
