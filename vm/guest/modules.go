//go:build linux

package guest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/lvslab/lvslab/internal/wait"
	"github.com/lvslab/lvslab/vm/guest/bootload"
	"github.com/lvslab/lvslab/vm/kernel"
	"github.com/lvslab/lvslab/vm/proto"
)

// loadModule loads one module file with finit_module; the kernel decompresses a .ko.xz, .ko.zst or .ko.gz
// itself, if it can: unpacks is the suffix its config says it can (Kernel.Unpacks). A module that is
// already loaded is fine; for one that is still loading, finit_module waits until it is done.
func loadModule(name, path, params, unpacks string) error {
	if state, _ := os.ReadFile("/sys/module/" + name + "/initstate"); string(state) == "live\n" {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("module %s: %w", name, err)
	}
	defer f.Close()
	flags := 0
	if kernel.IsCompressed(path) {
		flags = unix.MODULE_INIT_COMPRESSED_FILE
	}
	err = unix.FinitModule(int(f.Fd()), params, flags)
	switch {
	case err == nil || errors.Is(err, unix.EEXIST):
		return nil
	case flags != 0 && kernel.ModuleSuffix(path) != unpacks:
		return fmt.Errorf("loading module %s from %s: %w; the kernel's config does not say that it decompresses "+
			"%s modules itself (CONFIG_MODULE_DECOMPRESS with that format): name the module in Options.Modules, "+
			"whose compressed modules the host unpacks into the initramfs, or boot a tree of plain .ko files", name, path, err, kernel.ModuleSuffix(path))
	}
	return fmt.Errorf("loading module %s from %s: %w", name, path, err)
}

// modulePath is where the guest finds a module: in the initramfs (root is "" for /init, /proc/1/root
// elsewhere) if the host put it there, unpacked; else in the host's module tree, over 9p or, where the host
// shares no folder, from the modules' disk at the same place.
func modulePath(root, tree string, s kernel.LoadStep) string {
	if p := filepath.Join(root, proto.BootModuleDir, s.Name+".ko"); fileExists(p) {
		return p
	}
	return filepath.Join(root, proto.HostMount, tree, s.Path)
}

// awaitFile waits until path exists, for at most hostMountWait.
func awaitFile(path string) {
	wait.Until(context.Background(), hostMountWait, func() (bool, string) { return fileExists(path), path + " not there yet" })
}

// hostMountWait bounds the wait for the host's files over 9p.
const hostMountWait = 30 * time.Second

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// cmdlineParams collects module.param=value words of the kernel command line, as kmod's modprobe does:
// the kernel applies them only to modules built in.
func cmdlineParams() map[string]string {
	data, _ := os.ReadFile("/proc/cmdline")
	return bootload.ModuleParams(string(data))
}

// guestModprobe is `modprobe [-q] [-a] [--] NAME [PARAM=VALUE...]` for the guest: the kernel's
// request_module and the command both call it. It reads the job and module index through /proc/1/root,
// which is the initramfs whether it runs there or in the command's root.
func guestModprobe(args []string) int {
	names, params, quiet, err := parseModprobeArgs(args)
	if err == nil {
		err = modprobe(names, params)
	}
	if err != nil {
		if !quiet {
			fmt.Fprintln(os.Stderr, "modprobe:", err)
		}
		return 1
	}
	return 0
}

// parseModprobeArgs reads modprobe's command line: the names to load and, without -a, the parameters
// for the first one.
func parseModprobeArgs(args []string) (names []string, params string, quiet bool, err error) {
	all := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			names = append(names, args[i+1:]...)
			break
		}
		switch {
		case a == "-C" || a == "-d" || a == "-S" || a == "--config" || a == "--dirname" || a == "--set-version":
			i++ // options with an argument, which this modprobe has no use for
		case a == "-q" || a == "--quiet":
			quiet = true
		case a == "-a" || a == "--all":
			all = true
		case a == "-r" || a == "--remove":
			return nil, "", false, errors.New("removing modules is not supported in the lvslab VM")
		case strings.HasPrefix(a, "-"):
		default:
			names = append(names, a)
		}
	}
	if len(names) == 0 {
		return nil, "", quiet, errors.New("expected a module name")
	}
	if !all {
		params, names = strings.Join(names[1:], " "), names[:1]
	}
	return names, params, quiet, nil
}

func modprobe(names []string, params string) error {
	const root = "/proc/1/root"
	var j proto.Job
	var ix kernel.ModIndex
	for path, v := range map[string]any{proto.JobPath: &j, proto.IndexPath: &ix} {
		data, err := os.ReadFile(root + path)
		if err == nil {
			err = json.Unmarshal(data, v)
		}
		if err != nil {
			return fmt.Errorf("reading %s: %w", path, err)
		}
	}
	steps, err := ix.Plan(names)
	if err != nil {
		return err
	}
	cmdline := cmdlineParams()
	targets, _ := ix.Lookup(names[0])
	for _, s := range steps {
		p := cmdline[s.Name]
		if slices.Contains(targets, s.Name) {
			p = strings.TrimSpace(p + " " + params)
		}
		path := modulePath(root, j.Tree, s)
		if strings.HasPrefix(path, root+proto.HostMount+"/") {
			// /init loads the lab's modules while it mounts the host's files: a module one of them asks
			// for (request_module) that is not in the initramfs waits for the mount.
			awaitFile(path)
		}
		err := loadModule(s.Name, path, p, j.Unpacks)
		if err != nil && !s.Optional {
			return err
		}
	}
	return nil
}

// loadBootModules loads the initramfs's boot modules, each as soon as those it needs are in, unless package
// bootload has (where it knows how: amd64 and arm64).
func loadBootModules(params map[string]string) error {
	if planned, err := bootload.Wait(); planned {
		return err // loaded while lvslab's packages initialised
	}
	mods, err := bootload.ReadPlan()
	if err != nil {
		return fmt.Errorf("the boot modules' plan %s: %w", bootload.PlanPath, err)
	}
	steps := make([]kernel.LoadStep, len(mods))
	for i, m := range mods {
		steps[i] = kernel.LoadStep{Name: m.Name, After: m.After}
	}
	return loadAll(steps, func(s kernel.LoadStep) error {
		return loadModule(s.Name, filepath.Join(proto.BootModuleDir, s.Name+".ko"), params[s.Name], "")
	})
}

// loadAll loads every step, each as soon as the steps it comes after are done: module loading is
// CPU-bound under TCG, and the guest has more than one CPU. An optional step may fail. Only steps listed
// earlier are waited for (the plan lists what a module needs first), so no cycle can hang the boot.
func loadAll(steps []kernel.LoadStep, load func(kernel.LoadStep) error) error {
	done := map[string]chan struct{}{}
	errs := make(chan error, len(steps))
	for _, s := range steps {
		var before []chan struct{}
		for _, a := range s.After {
			if c, ok := done[a]; ok {
				before = append(before, c)
			}
		}
		finished := make(chan struct{})
		done[s.Name] = finished
		go func() {
			defer close(finished)
			for _, c := range before {
				<-c
			}
			err := load(s)
			if s.Optional {
				err = nil
			}
			errs <- err
		}()
	}
	var err error
	for range steps {
		err = errors.Join(err, <-errs)
	}
	return err
}
