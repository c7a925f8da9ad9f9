package proto

import (
	"os"
	"strings"

	"github.com/lvslab/lvslab/vm/guest/bootload"
	"github.com/lvslab/lvslab/vm/kernel"
)

// Job is what the host tells the guest's /init, as /lvslab/job.json in the initramfs.
type Job struct {
	Argv []string `json:"argv"` // Argv[0] is an absolute path, resolved on the host
	Env  []string `json:"env"`
	Dir  string   `json:"dir"`
	Tree string   `json:"tree"` // the module tree's host path, or ModulesTree (NoHostRoot): under HostMount in the guest
	// Boot are the modules in the initramfs that /init needs first, in load order, as BootModuleDir/<name>.ko:
	// the guest reads them from their plan (bootload.PlanPath), not from the job.
	Boot     []bootload.Module `json:"-"`
	Load     []kernel.LoadStep `json:"load"` // Options.Modules and what they need, in load order
	Outputs  []string          `json:"outputs"`
	Hostname string            `json:"hostname"`
	Self     string            `json:"self,omitempty"` // Options.Self: /init appears as SelfDir/<Self>
	// Serve: instead of a command, the agent serves commands that come with Secret (hex) until power-off.
	Serve  bool   `json:"serve,omitempty"`
	Secret string `json:"secret,omitempty"`
	Share  string `json:"share,omitempty"` // Options.Share: bound over its own path in the command's root
	// Unpacks is Kernel.Unpacks, the compressed modules the kernel loads itself. The initramfs also holds
	// the compressed modules of Load, unpacked as BootModuleDir/<name>.ko.
	Unpacks string `json:"unpacks,omitempty"`
	// Userland: the command's root is Options.Userland (over 9p as UserlandTag, or from its disk), not
	// the host's; Binds are the host folders it reaches there all the same, read-only at their own paths:
	// its working folder and the folder of a command given by its host path.
	Userland bool `json:"userland,omitempty"`
	// UserlandDisk: the userland comes as an EROFS image on a read-only virtio disk whose serial is
	// UserlandDiskSerial, not over 9p.
	UserlandDisk bool `json:"userland_disk,omitempty"`
	// NoHostRoot: the host shares no folder (its qemu has no 9p); HostMount holds only the module tree, at
	// Tree (ModulesTree), from a read-only disk whose serial is ModulesDiskSerial.
	NoHostRoot bool `json:"no_host_root,omitempty"`
	// Carried are the host's files the command's arguments name, which a guest that reaches no host folder
	// gets in its initramfs under CarriedDir, shown read-only at CarriedMount: the host's only record.
	Carried []Carried `json:"-"`
	Binds   []string  `json:"binds,omitempty"`
	// LinkSecret (hex), when set, is what /init sends first on its channel: the channel reaches lvslab
	// through a loopback listener that anyone on the host could connect to, and this proves the guest.
	LinkSecret string `json:"link_secret,omitempty"`
}

// Paths in the initramfs and in the guest.
const (
	JobPath       = "/lvslab/job.json"
	IndexPath     = "/lvslab/" + kernel.IndexFile // the module index, for the guest's modprobe
	BootModuleDir = bootload.BootModuleDir
	// The kernel's request_module runs it. /init links it to itself once it runs, not in the initramfs:
	// the kernel's own requests while it boots would each start this 15 MB binary for nothing (0.2 s
	// under TCG), before it could load a module.
	KernelModprobe = "/sbin/modprobe"
	HostMount      = "/host"  // the host's root over 9p, read-only (NoHostRoot: the modules' disk alone)
	RWMount        = "/rw"    // tmpfs holding the overlay's upper and work directories
	ShareMount     = "/share" // a machine that serves: Options.Share over 9p, read-write
	ShareTag       = "share"
	UserlandMount  = "/userland" // Options.Userland, read-only (its disk, or 9p): the lower layer of NewRoot
	UserlandTag    = "userland"
	NewRoot        = "/newroot" // the command's root: the overlay of RWMount over HostMount
	PortName       = "lvslab"   // the virtio serial port that carries frames to the host
	MountTag       = "hostroot" // the 9p share of the host's /
	CmdlineMarker  = "lvslab.guest=1"
	SelfDir        = "/usr/local/libexec/lvslab-vm" // in the command's root: Options.Self, first on PATH
)

// BootModules are what the guest's /init needs before it can reach the host: virtio over MMIO (microvm
// has no PCI), the console port, 9p and overlayfs. Debian builds them all as modules.
var BootModules = []string{"virtio_mmio", "virtio_console", "9pnet_virtio", "9p", "overlay"}

// DiskModules are the boot modules a userland on a disk needs besides: the disk, and its filesystem.
var DiskModules = []string{"virtio_blk", "erofs"}

// Carried is a host file carried into the initramfs: Name, its path there; Host, the file on the host.
type Carried struct{ Name, Host string }

// Where carried files are: in the initramfs, and in the command's root.
const (
	CarriedDir   = "/lvslab/carried"
	CarriedMount = "/lvslab-carried"
)

// UserlandDiskSerial names the userland's disk to the guest (/sys/block/vdX/serial); ModulesDiskSerial
// the disk of the kernel's modules, mounted at HostMount/ModulesTree where the host shares no folder.
const (
	UserlandDiskSerial = "lvslab-userland"
	ModulesDiskSerial  = "lvslab-modules"
	ModulesTree        = "/lvslab-modules"
)

// IsExecutable tells whether p is a file someone may run.
func IsExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}

// PrependPath puts dir first on the environment's PATH (Debian's default PATH if it has none).
func PrependPath(env []string, dir string) []string {
	out := make([]string, 0, len(env)+1)
	found := false
	for _, kv := range env {
		if p, ok := strings.CutPrefix(kv, "PATH="); ok && !found {
			kv, found = "PATH="+dir+":"+p, true // the guest's PATH, whatever the host's separator
		} else if ok {
			continue // a second PATH= would not be the one a shell reads
		}
		out = append(out, kv)
	}
	if !found {
		out = append(out, "PATH="+dir+":"+UserlandPath)
	}
	return out
}

// UserlandPath is the PATH of a command in a userland: Debian's, not the host's, whose folders the
// userland does not have.
const UserlandPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// WithUserlandPath is env with its PATH replaced by UserlandPath.
func WithUserlandPath(env []string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, "PATH=") {
			out = append(out, kv)
		}
	}
	return append(out, "PATH="+UserlandPath)
}

// InGuest tells whether this process runs in a VM that Run started (so IPVS is there, and starting
// another VM would only nest).
func InGuest() bool {
	cmdline, err := os.ReadFile("/proc/cmdline")
	if err != nil || !strings.Contains(string(cmdline), CmdlineMarker) {
		return false
	}
	_, err = os.Stat("/proc/1/root" + JobPath)
	return err == nil
}

// InVMEnv marks a command the host runs in a machine (through the agent, or as the job): lvslab there acts
// on the machine's kernel and never boots another.
const InVMEnv = "LVSLAB_IN_VM"
