//go:build linux

package guest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/lvslab/lvslab/vm/proto"
)

type mountSpec struct {
	fstype, source, target, data string
	flags                        uintptr
}

func (m mountSpec) mount() error {
	if err := os.MkdirAll(m.target, 0o755); err != nil {
		return fmt.Errorf("mount %s on %s: %w", m.fstype, m.target, err)
	}
	if err := unix.Mount(m.source, m.target, m.fstype, m.flags, m.data); err != nil {
		return fmt.Errorf("mount -t %s %s %s -o %q: %w", m.fstype, m.source, m.target, m.data, err)
	}
	return nil
}

// mountBasics mounts the kernel's filesystems under root: proc, sysfs and devtmpfs for /init; for the
// command's root also devpts, /dev/shm, cgroup2 and an empty /run (lab state and /run/netns live there).
func mountBasics(root string) error {
	const nosuid = unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC
	specs := []mountSpec{
		{"proc", "proc", root + "/proc", "", nosuid},
		{"sysfs", "sysfs", root + "/sys", "", nosuid},
		{"devtmpfs", "devtmpfs", root + "/dev", "mode=0755", unix.MS_NOSUID},
	}
	if root != "" {
		specs = append(specs,
			mountSpec{"devpts", "devpts", root + "/dev/pts", "newinstance,ptmxmode=0666,mode=0620", unix.MS_NOSUID | unix.MS_NOEXEC},
			mountSpec{"tmpfs", "shm", root + "/dev/shm", "mode=1777", unix.MS_NOSUID | unix.MS_NODEV},
			mountSpec{"cgroup2", "cgroup2", root + "/sys/fs/cgroup", "", nosuid},
			mountSpec{"tmpfs", "run", root + "/run", "mode=0755", unix.MS_NOSUID | unix.MS_NODEV},
		)
	}
	for _, m := range specs {
		if err := m.mount(); err != nil {
			return err
		}
	}
	return nil
}

// prepareRoot builds the command's root: the userland (from its disk, or over 9p) or the host's / over 9p,
// read-only, under an overlay whose upper layer is a tmpfs, so the command can write anywhere and nothing
// reaches the host. Where the host shares no folder, HostMount holds only the kernel's modules.
func (g *guest) prepareRoot() error {
	// msize=512000 is the most the virtio transport takes; cache=loose lets the guest cache what it read,
	// which is safe as long as the host does not change those files during the run.
	if g.job.NoHostRoot {
		if err := mountModulesOnly(); err != nil {
			return err
		}
	} else {
		ninep := mountSpec{"9p", proto.MountTag, proto.HostMount,
			"trans=virtio,version=9p2000.L,msize=512000,cache=loose,access=any", unix.MS_RDONLY}
		if err := ninep.mount(); err != nil {
			return err
		}
	}
	lower := proto.HostMount
	if g.job.Userland {
		lower = proto.UserlandMount
		userland := mountSpec{"9p", proto.UserlandTag, lower, "trans=virtio,version=9p2000.L,msize=512000,cache=loose,access=any", unix.MS_RDONLY}
		if g.job.UserlandDisk {
			dev, err := diskBySerial(proto.UserlandDiskSerial)
			if err != nil {
				return err
			}
			userland = mountSpec{"erofs", dev, lower, "", unix.MS_RDONLY}
		}
		if err := userland.mount(); err != nil {
			return err
		}
	}
	if err := (mountSpec{"tmpfs", "rw", proto.RWMount, "mode=0755", 0}).mount(); err != nil {
		return err
	}
	upper, work := filepath.Join(proto.RWMount, "upper"), filepath.Join(proto.RWMount, "work")
	if err := errors.Join(os.Mkdir(upper, 0o755), os.Mkdir(work, 0o755)); err != nil {
		return err
	}
	overlay := mountSpec{"overlay", "overlay", proto.NewRoot,
		"lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work, 0}
	if err := overlay.mount(); err != nil {
		return err
	}
	// The host's /run holds lvslab's records, with every machine's secret, and other users' sockets: the
	// commands' root has a /run of its own, and the raw share they could reach through /proc/1/root gets
	// an empty one (the overlay, made already, still reads its layer beneath).
	if st, err := os.Stat(filepath.Join(proto.HostMount, "run")); err == nil && st.IsDir() {
		if err := (mountSpec{"tmpfs", "hidden", filepath.Join(proto.HostMount, "run"), "mode=0755,size=4k", unix.MS_RDONLY}).mount(); err != nil {
			return err
		}
	}
	if err := mountBasics(proto.NewRoot); err != nil {
		return err
	}
	if err := g.mountShare(); err != nil {
		return err
	}
	if err := g.bindHostFolders(); err != nil {
		return err
	}
	if err := showCarried(); err != nil {
		return err
	}
	if err := installModprobe(); err != nil {
		return err
	}
	return installSelf(g.job.Self)
}

// mountModulesOnly makes HostMount, for a host that shares no folder, hold the kernel's module tree alone,
// at ModulesTree, from its disk: a read-only tmpfs with the disk mounted in it.
func mountModulesOnly() error {
	dev, err := diskBySerial(proto.ModulesDiskSerial)
	if err != nil {
		return err
	}
	if err := (mountSpec{"tmpfs", "host", proto.HostMount, "mode=0755,size=4k", 0}).mount(); err != nil {
		return err
	}
	if err := (mountSpec{"erofs", dev, proto.HostMount + proto.ModulesTree, "", unix.MS_RDONLY}).mount(); err != nil {
		return err
	}
	if err := unix.Mount("", proto.HostMount, "", unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
		return fmt.Errorf("%s read-only: %w", proto.HostMount, err)
	}
	return nil
}

// showCarried shows the host files the initramfs carries (CarriedDir), for a host that shares no folder,
// read-only at CarriedMount in the command's root.
func showCarried() error {
	if st, err := os.Stat(proto.CarriedDir); err != nil || !st.IsDir() {
		return nil
	}
	target := filepath.Join(proto.NewRoot, proto.CarriedMount)
	if err := os.MkdirAll(target, 0o755); err != nil {
		return fmt.Errorf("the host's files: %w", err)
	}
	if err := unix.Mount(proto.CarriedDir, target, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("showing the host's files at %s: %w", proto.CarriedMount, err)
	}
	if err := unix.Mount("", target, "", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY, ""); err != nil {
		return fmt.Errorf("the host's files at %s read-only: %w", proto.CarriedMount, err)
	}
	return nil
}

// mountShare binds the folder the host shares read-write (Options.Share) over its own path in the
// command's root, for the machine's life.
func (g *guest) mountShare() error {
	dir := g.job.Share
	if dir == "" || !g.job.Serve {
		return nil
	}
	if !filepath.IsAbs(dir) || filepath.Clean(dir) != dir || dir == "/" {
		return fmt.Errorf("the shared folder %q: expected an absolute, clean path other than /", dir)
	}
	share := mountSpec{"9p", proto.ShareTag, proto.ShareMount, "trans=virtio,version=9p2000.L,msize=512000,cache=none,access=any", 0}
	if err := share.mount(); err != nil {
		return err
	}
	target := filepath.Join(proto.NewRoot, dir)
	if err := os.MkdirAll(target, 0o755); err != nil {
		return fmt.Errorf("the shared folder %s: %w", dir, err)
	}
	if err := unix.Mount(proto.ShareMount, target, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("binding the shared folder over %s: %w", dir, err)
	}
	shown.Lock()
	shown.share = dir // the host's already, read-write: showHostFolder leaves it be
	shown.Unlock()
	return nil
}

// bindHostFolders shows each of the job's host folders (Job.Binds) over its own path in a command's
// root that is a userland (showHostFolder), and makes the parent folders of the job's outputs, so that a
// command can write them anywhere.
func (g *guest) bindHostFolders() error {
	if !g.job.Userland {
		return nil
	}
	for _, dir := range g.job.Binds {
		if err := showHostFolder(dir); err != nil {
			return err
		}
	}
	for _, o := range g.job.Outputs {
		os.MkdirAll(filepath.Join(proto.NewRoot, filepath.Dir(o)), 0o755)
	}
	return nil
}

// shown are the host folders showHostFolder has shown, and the share, under its lock: commands of a
// machine that serves ask for theirs side by side.
var shown = struct {
	sync.Mutex
	dirs  map[string]bool
	share string
}{dirs: map[string]bool{}}

// showHostFolder shows the host folder dir over its own path in a userland, as the host's root would
// show it: read from the host, writable through an overlay whose writes stay in the machine's memory (a
// command's outputs there are read back from it). It leaves be / and the machine's own folders (/proc,
// /sys, /dev, /run), a folder within one shown already or within the share (the host's already), one
// the userland fills itself (/usr/bin), and one the host lacks. Showing a parent of the share binds the
// share over it again.
func showHostFolder(dir string) error {
	if !filepath.IsAbs(dir) || filepath.Clean(dir) != dir {
		return fmt.Errorf("a host folder to show, %q: expected an absolute, clean path", dir)
	}
	shown.Lock()
	defer shown.Unlock()
	if dir == "/" || proto.GuestOwn(dir) || (shown.share != "" && proto.Within(dir, shown.share)) {
		return nil
	}
	for d := range shown.dirs {
		if proto.Within(dir, d) {
			return nil
		}
	}
	if proto.FillsFolder(filepath.Join(proto.UserlandMount, dir)) {
		return nil // the userland's own
	}
	host := filepath.Join(proto.HostMount, dir)
	if st, err := os.Stat(host); err != nil || !st.IsDir() {
		return nil
	}
	target := filepath.Join(proto.NewRoot, dir)
	layer := filepath.Join(proto.RWMount, "shown", strconv.Itoa(len(shown.dirs)))
	upper, work := filepath.Join(layer, "upper"), filepath.Join(layer, "work")
	if err := errors.Join(os.MkdirAll(target, 0o755), os.MkdirAll(upper, 0o755), os.MkdirAll(work, 0o755)); err != nil {
		return fmt.Errorf("the host folder %s: %w", dir, err)
	}
	overlay := mountSpec{"overlay", "overlay", target, "lowerdir=" + host + ",upperdir=" + upper + ",workdir=" + work, 0}
	if err := overlay.mount(); err != nil {
		return fmt.Errorf("the host folder %s: %w", dir, err)
	}
	shown.dirs[dir] = true
	if shown.share != "" && proto.Within(shown.share, dir) {
		if err := unix.Mount(proto.ShareMount, filepath.Join(proto.NewRoot, shown.share), "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("binding the shared folder over %s again: %w", shown.share, err)
		}
	}
	return nil
}

// showHostFolders shows what a command of a machine that serves needs of the host: the folder it runs in
// and those its arguments name (proto.ArgFolders), parents first.
func showHostFolders(dir string, argv []string) error {
	folders := append([]string{dir}, proto.ArgFolders(argv[min(1, len(argv)):], dir, proto.StatUnder(proto.HostMount))...)
	for _, d := range proto.Topmost(folders, "") {
		if err := showHostFolder(d); err != nil {
			return err
		}
	}
	return nil
}

// installSelf puts this binary, the one that booted the VM, in SelfDir under the name the job gives it;
// the host put SelfDir first on the command's PATH.
func installSelf(name string) error {
	if name == "" {
		return nil
	}
	dir := filepath.Join(proto.NewRoot, proto.SelfDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	dst := filepath.Join(dir, filepath.Base(name))
	if err := os.WriteFile(dst, nil, 0o755); err != nil {
		return err
	}
	if err := unix.Mount("/init", dst, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind-mounting /init on %s: %w", proto.SelfDir, err)
	}
	return nil
}

// installModprobe puts this binary where the command looks for modprobe (lvslab runs `modprobe ip_vs`):
// the host's modprobe would look for the guest kernel's modules in the host's /lib/modules.
func installModprobe() error {
	for _, p := range []string{"/usr/sbin/modprobe", "/sbin/modprobe"} {
		dst := filepath.Join(proto.NewRoot, p)
		if st, err := os.Lstat(filepath.Dir(dst)); err != nil || !st.IsDir() {
			continue // /sbin is a symlink to usr/sbin on merged-/usr systems
		}
		// Debian's /usr/sbin/modprobe is an absolute symlink to /bin/kmod, which the mount would resolve
		// outside the new root: replace it (in the overlay's upper layer) with a file to cover.
		if st, err := os.Lstat(dst); err == nil && st.Mode()&os.ModeSymlink != 0 {
			if err := os.Remove(dst); err != nil {
				return fmt.Errorf("replacing the symlink %s: %w", p, err)
			}
		}
		if _, err := os.Stat(dst); err != nil { // a bind mount needs a file to cover
			if f, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY, 0o755); err == nil {
				f.Close()
			}
		}
		if err := unix.Mount("/init", dst, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind-mounting /init on %s: %w", p, err)
		}
	}
	return nil
}
