package vm

import (
	"github.com/lvslab/lvslab/vm/kernel"

	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// job is what the host tells the guest's /init, as /lvslab/job.json in the initramfs.
type job struct {
	Argv     []string          `json:"argv"` // Argv[0] is an absolute path, resolved on the host
	Env      []string          `json:"env"`
	Dir      string            `json:"dir"`
	Tree     string            `json:"tree"` // host path of the module tree, reached in the guest under hostMount
	Boot     []bootModule      `json:"boot"` // modules in the initramfs, in load order, as bootModuleDir/<name>.ko
	Load     []kernel.LoadStep `json:"load"` // Options.Modules and what they need, in load order
	Outputs  []string          `json:"outputs"`
	Hostname string            `json:"hostname"`
	Self     string            `json:"self,omitempty"` // Options.Self: /init appears as selfDir/<Self>
	// Serve: instead of a command, the agent serves commands that come with Secret (hex) until power-off.
	Serve  bool   `json:"serve,omitempty"`
	Secret string `json:"secret,omitempty"`
	Share  string `json:"share,omitempty"` // Options.Share: bound over its own path in the command's root
	// Unpacks is Kernel.Unpacks, the compressed modules the kernel loads itself. The initramfs also holds
	// the compressed modules of Load, unpacked as bootModuleDir/<name>.ko.
	Unpacks string `json:"unpacks,omitempty"`
}

// bootModule is a module in the initramfs and the modules that must be loaded before it.
type bootModule struct {
	Name  string   `json:"name"`
	After []string `json:"after,omitempty"`
}

// Paths in the initramfs and in the guest.
const (
	jobPath       = "/lvslab/job.json"
	indexPath     = "/lvslab/" + kernel.IndexFile // the module index, for the guest's modprobe
	bootModuleDir = "/lvslab/ko"
	// The kernel's request_module runs it. /init links it to itself once it runs, not in the initramfs:
	// the kernel's own requests while it boots would each start this 15 MB binary for nothing (0.2 s
	// under TCG), before it could load a module.
	kernelModprobe = "/sbin/modprobe"
	hostMount      = "/host"  // the host's root over 9p, read-only
	rwMount        = "/rw"    // tmpfs holding the overlay's upper and work directories
	shareMount     = "/share" // a machine that serves: Options.Share over 9p, read-write
	shareTag       = "share"
	newRoot        = "/newroot" // the command's root: the overlay of rwMount over hostMount
	portName       = "lvslab"   // the virtio serial port that carries frames to the host
	mountTag       = "hostroot" // the 9p share of the host's /
	cmdlineMarker  = "lvslab.guest=1"
	selfDir        = "/usr/local/libexec/lvslab-vm" // in the command's root: Options.Self, first on PATH
)

// bootModules are what the guest's /init needs before it can reach the host: virtio over MMIO (microvm
// has no PCI), the console port, 9p and overlayfs. Debian builds them all as modules.
var bootModules = []string{"virtio_mmio", "virtio_console", "9pnet_virtio", "9p", "overlay"}

// newJob resolves what the guest cannot: the command's path and directory, the module plans.
func newJob(opts *Options, k *kernel.Kernel, ix *kernel.ModIndex, boot, load []kernel.LoadStep) (*job, error) {
	env := opts.Env
	if env == nil {
		env = os.Environ()
	}
	if opts.Self != "" {
		if !validSelf(opts.Self) {
			return nil, fmt.Errorf("Options.Self %q: expected a command name (letters, digits, . _ -)", opts.Self)
		}
		env = prependPath(env, selfDir)
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
		return nil, fmt.Errorf("working directory %s: expected a directory on the host, which the VM shares: %v", dir, statWhy(err))
	}
	argv0 := filepath.Join(selfDir, opts.Self) // exists only in the guest
	if opts.secret != "" {
		argv0 = "" // a machine that serves has no command of its own
	} else if opts.Self == "" || opts.Argv[0] != opts.Self {
		if argv0, err = lookPath(opts.Argv[0], dir, env); err != nil {
			return nil, err
		}
	}
	for _, o := range opts.Outputs {
		if !filepath.IsAbs(o) {
			return nil, fmt.Errorf("output %q: expected an absolute path", o)
		}
	}
	j := &job{
		Env: env, Dir: dir, Tree: k.Modules, Unpacks: k.Unpacks,
		Load: load, Outputs: opts.Outputs, Hostname: "lvslab-vm", Self: opts.Self,
		Serve: opts.secret != "", Secret: opts.secret, Share: opts.Share,
	}
	if len(opts.Argv) > 0 {
		j.Argv = append([]string{argv0}, opts.Argv[1:]...)
	}
	for _, s := range boot {
		j.Boot = append(j.Boot, bootModule{Name: s.Name, After: ix.Before(s.Name)})
	}
	for i := range j.Load {
		j.Load[i].After = ix.Before(j.Load[i].Name)
	}
	return j, nil
}

// lookPath finds the command as the guest will: the guest's root is the host's, so a host path works there.
func lookPath(name, dir string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		if !filepath.IsAbs(name) {
			name = filepath.Join(dir, name)
		}
		if isExecutable(name) {
			return name, nil
		}
		return "", fmt.Errorf("command %s: not an executable file", name)
	}
	path := ""
	for _, kv := range env {
		if p, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = p
		}
	}
	for _, d := range filepath.SplitList(path) {
		if d == "" {
			d = "."
		}
		if !filepath.IsAbs(d) {
			d = filepath.Join(dir, d)
		}
		if p := filepath.Join(d, name); isExecutable(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("command %s: not found in PATH=%s", name, path)
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}

var selfName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9._-]+$`) })

func validSelf(name string) bool { return selfName().MatchString(name) && name != "." && name != ".." }

// prependPath puts dir first on the environment's PATH (Debian's default PATH if it has none).
func prependPath(env []string, dir string) []string {
	out := make([]string, 0, len(env)+1)
	found := false
	for _, kv := range env {
		if p, ok := strings.CutPrefix(kv, "PATH="); ok && !found {
			kv, found = "PATH="+dir+string(filepath.ListSeparator)+p, true
		} else if ok {
			continue // a second PATH= would not be the one a shell reads
		}
		out = append(out, kv)
	}
	if !found {
		out = append(out, "PATH="+dir+":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	}
	return out
}

func statWhy(err error) string {
	if err == nil {
		return "not a regular file"
	}
	return err.Error()
}
