package vm

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/lvslab/lvslab/internal/erofsimage"
	"github.com/lvslab/lvslab/vm/guest/bootload"
	"github.com/lvslab/lvslab/vm/kernel"
	"github.com/lvslab/lvslab/vm/proto"
)

// newJob resolves what the guest cannot: the command's path (in view, the userland, when there is one) and
// directory, the module plans.
func newJob(opts *Options, view fs.FS, k *kernel.Kernel, ix *kernel.ModIndex, boot, load []kernel.LoadStep) (*proto.Job, error) {
	env := opts.Env
	if env == nil {
		env = os.Environ()
	}
	if opts.Userland != "" {
		env = proto.WithUserlandPath(env)
	}
	if opts.Self != "" {
		if !validSelf(opts.Self) {
			return nil, fmt.Errorf("Options.Self %q: expected a command name (letters, digits, . _ -)", opts.Self)
		}
		env = proto.PrependPath(env, proto.SelfDir)
	}
	dir := opts.Dir
	if dir == "" {
		var err error
		if dir, err = os.Getwd(); err != nil {
			return nil, fmt.Errorf("working directory: %w", err)
		}
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("working directory %s: expected a directory on the host, which the VM shares: %v", dir, dirWhy(err))
	}
	if opts.Userland != "" {
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			dir = real // the guest reaches the host's files through no link of the host's
		}
	}
	argv0 := path.Join(proto.SelfDir, opts.Self) // exists only in the guest
	if opts.secret != "" {
		argv0 = "" // a machine that serves has no command of its own
	} else if opts.Self == "" || opts.Argv[0] != opts.Self {
		if argv0, err = lookPath(opts.Argv[0], dir, env, view); err != nil {
			return nil, err
		}
	}
	for _, o := range opts.Outputs {
		if !filepath.IsAbs(o) {
			return nil, fmt.Errorf("output %q: expected an absolute path", o)
		}
	}
	j := &proto.Job{
		Env: env, Dir: dir, Tree: k.Modules, Unpacks: k.Unpacks,
		Load: load, Outputs: opts.Outputs, Hostname: "lvslab-vm", Self: opts.Self,
		Serve: opts.secret != "", Secret: opts.secret, Share: opts.Share,
	}
	if opts.Userland != "" {
		j.Userland = true
		j.Binds = hostBinds(dir, argv0, opts)
	}
	if len(opts.Argv) > 0 {
		j.Argv = append([]string{argv0}, opts.Argv[1:]...)
	}
	for _, s := range boot {
		j.Boot = append(j.Boot, bootload.Module{Name: s.Name, After: ix.Before(s.Name)})
	}
	for i := range j.Load {
		j.Load[i].After = ix.Before(j.Load[i].Name)
	}
	return j, nil
}

// hostBinds are the host folders a command in the userland sees as it would in the host's root: its
// working folder, the folder of a command named by its host path (a test binary), and those its
// arguments name (proto.ArgFolders); parents first, each once, never / nor the machine's own folders nor
// one within the share, which is the host's already.
func hostBinds(dir, argv0 string, opts *Options) []string {
	folders := []string{dir}
	if len(opts.Argv) > 0 {
		if strings.Contains(opts.Argv[0], "/") {
			folders = append(folders, filepath.Dir(argv0))
		}
		folders = append(folders, proto.ArgFolders(opts.Argv[1:], dir, proto.StatUnder(""))...)
	}
	return proto.Topmost(folders, opts.Share)
}

// userlandView is the userland as the host reads it: its tree, or where the host holds none (Windows) its
// image, or nil for no userland (tree and disk ""); done closes it.
func userlandView(tree, disk string) (view fs.FS, done func(), err error) {
	if tree == "" && disk == "" {
		return nil, func() {}, nil
	}
	if st, err := os.Stat(tree); err == nil && st.IsDir() {
		return os.DirFS(tree), func() {}, nil
	}
	if disk == "" {
		return nil, nil, fmt.Errorf("the guest's userland %s: expected a folder", tree)
	}
	img, c, err := erofsimage.Open(disk)
	if err != nil {
		return nil, nil, fmt.Errorf("the guest's userland: %w", err)
	}
	return img, func() { c.Close() }, nil
}

// inUserland tells whether the userland view (nil: none) has a file (or a link) at the absolute path p.
func inUserland(view fs.FS, p string) bool {
	if view == nil || !path.IsAbs(p) {
		return false
	}
	st, err := fs.Lstat(view, strings.TrimPrefix(path.Clean(p), "/"))
	return err == nil && !st.IsDir()
}

// userlandOwns tells whether p lies in a folder the userland has and fills (/usr/bin): there the guest
// sees the userland's, not the host's.
func userlandOwns(view fs.FS, p string) bool {
	for d := path.Dir(p); d != "/"; d = path.Dir(d) {
		if entries, err := fs.ReadDir(view, strings.TrimPrefix(d, "/")); err == nil && len(entries) > 0 {
			return true
		}
	}
	return false
}

// lookPath finds the command as the guest will: in view, the userland (a name in PATH, as the userland
// has it), or with no view the host's, which is the guest's; a name with a slash is a host path either
// way, which the guest reaches. Names are the guest's: Linux paths.
func lookPath(name, dir string, env []string, view fs.FS) (string, error) {
	if strings.Contains(name, "/") {
		if !path.IsAbs(name) {
			name = path.Join(dir, name)
		}
		if view != nil && userlandOwns(view, name) {
			if inUserland(view, name) {
				return name, nil
			}
			return "", fmt.Errorf("command %s: the guest's programs are Debian's (the userland), which has no %s; this machine's are there with --userland host (or LVSLAB_USERLAND=host)", name, name)
		}
		if proto.IsExecutable(name) {
			return name, nil
		}
		return "", fmt.Errorf("command %s: not an executable file", name)
	}
	pathVar := ""
	for _, kv := range env {
		if p, ok := strings.CutPrefix(kv, "PATH="); ok {
			pathVar = p
		}
	}
	for _, d := range strings.Split(pathVar, ":") { // the guest's PATH
		if d == "" {
			d = "."
		}
		if !path.IsAbs(d) {
			d = path.Join(dir, d)
		}
		p := path.Join(d, name)
		if view != nil {
			if inUserland(view, p) {
				return p, nil
			}
			continue
		}
		if proto.IsExecutable(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("command %s: not found in PATH=%s", name, pathVar)
}

var selfName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9._-]+$`) })

func validSelf(name string) bool { return selfName().MatchString(name) && name != "." && name != ".." }

// dirWhy says why a path that should be a host folder is not one.
func dirWhy(err error) string {
	if err == nil {
		return "not a directory"
	}
	return err.Error()
}
