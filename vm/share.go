package vm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/lvslab/lvslab/vm/kernel"
	"github.com/lvslab/lvslab/vm/proto"
)

// ninePShares tells whether this host's qemu shares folders with the guest over virtio-9p: not on
// Windows, whose qemu has none. Without it the guest reaches no folder of the host: its programs are the
// userland's disk, its modules another disk (kernel.ModulesImage), and it runs in its own /. A test turns
// it off to boot that way on Linux.
var ninePShares = runtime.GOOS != "windows"

// SharesHostFolders tells whether the microVM sees this host's folders (over 9p): not on Windows.
func SharesHostFolders() bool { return ninePShares }

// HostFileArg is the first of args (FILE, or --flag=FILE) that names a regular file of this host, in dir
// when relative, or "": a file a microVM that does not share the host's folders cannot read.
func HostFileArg(args []string, dir string) string {
	return hostFileArg(&Options{Argv: append([]string{""}, args...), Dir: dir})
}

// withoutHostFolders checks that a run asks nothing of the host's folders, for a host without 9p shares,
// and returns its kernel's modules image.
func withoutHostFolders(ctx context.Context, opts *Options, k *kernel.Kernel) (string, error) {
	const why = "this host's qemu has no 9p shares (Windows), so the microVM reaches none of its folders"
	switch {
	case opts.userlandDisk == "":
		return "", fmt.Errorf("the guest's programs from the host's root (--userland host): %s; use Debian's (the default)", why)
	case opts.Share != "":
		return "", fmt.Errorf("sharing %s with the machine: %s", opts.Share, why)
	case len(opts.Argv) > 0 && strings.ContainsAny(opts.Argv[0], `/\`) && !proto.Within(proto.SelfDir, opts.Argv[0]) &&
		!inImage(opts.userlandDisk, opts.Argv[0]):
		return "", fmt.Errorf("command %s, a file of the host: %s; name a program of the guest's (ipvsadm, sh)", opts.Argv[0], why)
	}
	return kernel.ModulesImage(ctx, k)
}

// Bounds on the host files carried into a guest that reaches no host folder: they travel in its memory.
const (
	maxCarriedFile  = 16 << 20
	maxCarriedTotal = 64 << 20
)

// carryHostFiles puts the host files the command's arguments name (FILE, or --flag=FILE; not outputs, not
// files the guest has itself) into the job, for a guest that reaches no host folder: each at
// CarriedMount/N/NAME there, the argument rewritten to name it.
func carryHostFiles(j *proto.Job, opts *Options) error {
	dir := opts.Dir
	if dir == "" {
		dir, _ = os.Getwd()
	}
	var total int64
	for k := 1; k < len(j.Argv); k++ {
		flag, value, isFlag := strings.Cut(j.Argv[k], "=")
		if isFlag = isFlag && strings.HasPrefix(flag, "-"); !isFlag {
			value = j.Argv[k]
		}
		size, ok := hostFile(value, dir, opts)
		if !ok {
			continue
		}
		if total += size; size > maxCarriedFile || total > maxCarriedTotal {
			return fmt.Errorf("%s (%d bytes), a file of this host, is more than the microVM takes in (%d MB a file, %d MB in all): "+
				"this host's qemu has no 9p shares, so files travel in the machine's memory", value, size, maxCarriedFile>>20, maxCarriedTotal>>20)
		}
		n := strconv.Itoa(len(j.Carried))
		name := value[strings.LastIndexAny(value, `/\`)+1:]
		j.Carried = append(j.Carried, proto.Carried{Name: path.Join(proto.CarriedDir, n, name), Host: hostPath(value, dir)})
		guest := path.Join(proto.CarriedMount, n, name)
		if isFlag {
			guest = flag + "=" + guest
		}
		j.Argv[k] = guest
	}
	return nil
}

// hostPath is a's path on the host: as it is when absolute, else in dir.
func hostPath(a, dir string) string {
	if filepath.IsAbs(a) {
		return a
	}
	return filepath.Join(dir, a)
}

// hostFile tells whether a names a regular file of the host (in dir when relative) that the guest needs
// carried in (neither an output nor a file it has at that path itself), and its size.
func hostFile(a, dir string, opts *Options) (int64, bool) {
	if a == "" || slices.Contains(opts.Outputs, a) {
		return 0, false
	}
	st, err := os.Stat(hostPath(a, dir))
	if err != nil || !st.Mode().IsRegular() || inImage(opts.userlandDisk, a) {
		return 0, false
	}
	return st.Size(), true
}

// hostFileArg is the first of the command's arguments (FILE, or --flag=FILE) that names a regular file of
// this host, neither an output (which comes back) nor a file the guest has at that path itself, or "".
func hostFileArg(opts *Options) string {
	dir := opts.Dir
	if dir == "" {
		dir, _ = os.Getwd()
	}
	for _, a := range opts.Argv[min(1, len(opts.Argv)):] {
		if flag, value, ok := strings.Cut(a, "="); ok && strings.HasPrefix(flag, "-") {
			a = value
		}
		if _, ok := hostFile(a, dir, opts); ok {
			return a
		}
	}
	return ""
}

// inImage tells whether the userland's EROFS image at disk has a file (or a link) at the absolute path p.
func inImage(disk, p string) bool {
	view, done, err := userlandView("", disk)
	if err != nil {
		return false
	}
	defer done()
	return inUserland(view, p)
}

// outputsInGuest moves the job's outputs, for a guest that reaches no host folder, to folders of the
// guest's own (/lvslab-outputs/N/NAME), and the command's arguments that name them with them (FILE, or
// --flag=FILE): the guest cannot write a host path (C:\Users\…). It returns each guest path's host path.
func outputsInGuest(j *proto.Job) map[string]string {
	from := map[string]string{}
	j.Outputs = slices.Clone(j.Outputs) // Options.Outputs keeps the host's paths
	for i, host := range j.Outputs {
		guest := path.Join("/lvslab-outputs", strconv.Itoa(i), host[strings.LastIndexAny(host, `/\`)+1:]) // a Windows path's name too
		from[guest] = host
		j.Outputs[i] = guest
		for k, a := range j.Argv {
			if k == 0 {
				continue
			}
			if a == host {
				j.Argv[k] = guest
			} else if flag, value, ok := strings.Cut(a, "="); ok && value == host && strings.HasPrefix(flag, "-") {
				j.Argv[k] = flag + "=" + guest
			}
		}
	}
	return from
}

// bootModules are the modules /init loads first: those that reach the host's folders over 9p, unless
// there are none (noHostRoot), and those that mount disks, where there are some.
func bootModules(disks, noHostRoot bool) []string {
	var mods []string
	for _, m := range proto.BootModules {
		if !noHostRoot || (m != "9pnet_virtio" && m != "9p") {
			mods = append(mods, m)
		}
	}
	if disks {
		mods = append(mods, proto.DiskModules...)
	}
	return mods
}

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
