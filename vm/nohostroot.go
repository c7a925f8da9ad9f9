package vm

import (
	"context"
	"fmt"
	"io/fs"
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
	for _, a := range args {
		if _, value := flagValue(a); hostFileSize(value, dir, nil, nil) >= 0 {
			return value
		}
	}
	return ""
}

// withoutHostFolders checks that a run asks nothing of the host's folders, for a host without 9p shares,
// and returns its kernel's modules image; view is the userland.
func withoutHostFolders(ctx context.Context, opts *Options, k *kernel.Kernel, view fs.FS) (string, error) {
	const why = "this host's qemu has no 9p shares (Windows), so the microVM reaches none of its folders"
	switch {
	case opts.userlandDisk == "":
		return "", fmt.Errorf("the guest's programs from the host's root (--userland host): %s; use Debian's (the default)", why)
	case opts.Share != "":
		return "", fmt.Errorf("sharing %s with the machine: %s", opts.Share, why)
	case len(opts.Argv) > 0 && strings.ContainsAny(opts.Argv[0], `/\`) && !proto.Within(proto.SelfDir, opts.Argv[0]) &&
		!inUserland(view, opts.Argv[0]):
		return "", fmt.Errorf("command %s, a file of the host: %s; name a program of the guest's (ipvsadm, sh)", opts.Argv[0], why)
	}
	return kernel.ModulesImage(ctx, k)
}

// withoutHostFoldersJob fits the job to a guest that reaches no host folder: its modules at ModulesTree,
// its command in its own /, its outputs in its own folders, the host files its arguments name carried in.
func withoutHostFoldersJob(j *proto.Job, opts *Options, view fs.FS) error {
	j.NoHostRoot, j.Tree, j.Dir, j.Binds = true, proto.ModulesTree, "/", nil
	opts.outputsFrom = outputsInGuest(j)
	return carryHostFiles(j, opts, view)
}

// Bounds on the host files carried into a guest that reaches no host folder: they travel in its memory.
const (
	maxCarriedFile  = 16 << 20
	maxCarriedTotal = 64 << 20
)

// carryHostFiles puts the host files the command's arguments name (FILE, or --flag=FILE; not outputs, not
// files the guest has itself in view, the userland) into the job, for a guest that reaches no host
// folder: each at CarriedMount/N/NAME there, the argument rewritten to name it.
func carryHostFiles(j *proto.Job, opts *Options, view fs.FS) error {
	dir := opts.Dir
	if dir == "" {
		dir, _ = os.Getwd()
	}
	var total int64
	for k := 1; k < len(j.Argv); k++ {
		flag, value := flagValue(j.Argv[k])
		size := hostFileSize(value, dir, opts.Outputs, view)
		if size < 0 {
			continue
		}
		if total += size; size > maxCarriedFile || total > maxCarriedTotal {
			return fmt.Errorf("%s (%d bytes), a file of this host, is more than the microVM takes in (%d MB a file, %d MB in all): "+
				"this host's qemu has no 9p shares, so files travel in the machine's memory", value, size, maxCarriedFile>>20, maxCarriedTotal>>20)
		}
		n, name := strconv.Itoa(len(j.Carried)), hostBase(value)
		j.Carried = append(j.Carried, proto.Carried{Name: path.Join(proto.CarriedDir, n, name), Host: hostPath(value, dir)})
		j.Argv[k] = flag + path.Join(proto.CarriedMount, n, name)
	}
	return nil
}

// outputsInGuest moves the job's outputs, for a guest that reaches no host folder, to folders of the
// guest's own (/lvslab-outputs/N/NAME), and the command's arguments that name them with them (FILE, or
// --flag=FILE): the guest cannot write a host path (C:\Users\…). It returns each guest path's host path.
func outputsInGuest(j *proto.Job) map[string]string {
	from := map[string]string{}
	j.Outputs = slices.Clone(j.Outputs) // Options.Outputs keeps the host's paths
	for i, host := range j.Outputs {
		guest := path.Join("/lvslab-outputs", strconv.Itoa(i), hostBase(host))
		from[guest] = host
		j.Outputs[i] = guest
		for k := 1; k < len(j.Argv); k++ {
			if flag, value := flagValue(j.Argv[k]); value == host {
				j.Argv[k] = flag + guest
			}
		}
	}
	return from
}

// flagValue splits a command's argument into what names a file in it: all of it, or what follows "=" in
// a flag (--json=FILE); flag is what comes before, "=" included.
func flagValue(a string) (flag, value string) {
	if f, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(f, "-") {
		return f + "=", v
	}
	return "", a
}

// hostBase is the name of the file at the host path p, a Windows path's too.
func hostBase(p string) string { return p[strings.LastIndexAny(p, `/\`)+1:] }

// hostPath is a's path on the host: as it is when absolute, else in dir.
func hostPath(a, dir string) string {
	if filepath.IsAbs(a) {
		return a
	}
	return filepath.Join(dir, a)
}

// hostFileSize is the size of the regular file of the host that a names (in dir when relative), or -1
// when it names none the guest needs carried in: an output, or a file the userland view has itself.
func hostFileSize(a, dir string, outputs []string, view fs.FS) int64 {
	if a == "" || slices.Contains(outputs, a) {
		return -1
	}
	st, err := os.Stat(hostPath(a, dir))
	if err != nil || !st.Mode().IsRegular() || inUserland(view, a) {
		return -1
	}
	return st.Size()
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
