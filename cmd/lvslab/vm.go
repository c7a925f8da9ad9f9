package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/lvslab/lvslab/debian"
	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/vm"
	"github.com/lvslab/lvslab/vm/kernel"
	"github.com/lvslab/lvslab/vm/proto"
	"github.com/lvslab/lvslab/vm/userland"
)

func newVMCommand() *cobra.Command {
	var o vm.Options
	var prepare, timings bool
	cmd := &cobra.Command{
		Use:   "vm [--accel auto|kvm|hvf|tcg] [--kernel-package NAME | --kernel VMLINUZ --modules DIR] [--timeout D] -- COMMAND [ARG...]",
		Short: "Run a command in a microVM booted from Debian's kernel, which has IPVS",
		Long:  vmLong,
		Example: `  lvslab vm -- cat /proc/net/ip_vs
  lvslab vm -- sh -c 'lvslab up && lvslab exec client -- curl -s http://192.168.0.75/ && lvslab down'
  lvslab vm --accel tcg -- uname -r       # never try KVM
  lvslab vm --timings -- true             # where a boot's time goes
  lvslab vm --prepare                    # fetch the kernel now (make kernel)
  lvslab vm --prepare --mirror http://ftp.de.debian.org/debian
  lvslab vm --kernel-package linux-image-6.12-amd64 -- sh -c 'modprobe ip_vs_twos && grep twos /proc/modules'
  lvslab vm --kernel ./bzImage --modules ./mods -- uname -r
  lvslab vm --arch arm64 -- uname -m     # an arm64 guest (TCG on an amd64 host)`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if prepare {
				if err := vm.CheckInit(o.Arch, o.Package); err != nil {
					return unusable(err)
				}
				o.Notices = cmd.ErrOrStderr()
				k, err := vm.EnsureKernel(cmd.Context(), o)
				if err != nil {
					return unusable(err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "kernel %s: %s, modules in %s\n", k.Version, k.Vmlinuz, k.Modules)
				if err := vm.EnsureUserland(cmd.Context(), &o); err != nil {
					return unusable(err)
				}
				if o.Userland != "" {
					fmt.Fprintf(cmd.OutOrStdout(), "userland: %s\n", o.Userland)
				}
				return nil
			}
			if cmd.ArgsLenAtDash() != 0 || len(args) == 0 {
				return unusable(errors.New("write the command after --: lvslab vm -- COMMAND [ARG...]"))
			}
			o.Argv, o.Stdout, o.Stderr, o.Notices = args, cmd.OutOrStdout(), cmd.ErrOrStderr(), cmd.ErrOrStderr()
			o.Self = "lvslab"
			o.Modules, o.OptionalModules = lab.KernelModules()
			res, err := vm.Run(cmd.Context(), o)
			if err != nil {
				return unusable(err)
			}
			if timings {
				fmt.Fprintf(cmd.ErrOrStderr(), "lvslab: where the microVM's %.3f s went: qemu started, its kernel ran /init after %.3f s and /init was running its main after %.3f s (host's clock); then, on the guest's clock from the kernel's start:\n%s",
					res.Total.Seconds(), res.KernelToInit().Seconds(), res.BootToInit.Seconds(), proto.FormatTimings(res.Timings))
			}
			if res.ExitCode != 0 {
				return &exitError{code: res.ExitCode, quiet: true}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Package, "kernel-package", "", "boot the kernel of this Debian package, e.g. linux-image-6.12-amd64 (default $"+kernel.PackageEnv+", else linux-image-<arch>: linux-image-amd64 on an amd64 guest)")
	f.StringVar(&o.Suite, "suite", "", "the Debian release the kernel and the guest's programs come from: bookworm or trixie (default $"+debian.SuiteEnv+", else bookworm)")
	f.StringVar(&o.Mirror, "mirror", "", "fetch kernels from this Debian mirror (http, https or file URL of the folder holding dists/ and pool/; default $"+debian.MirrorEnv+", else apt's Debian archive)")
	f.StringVar(&o.UserlandFrom, "userland", "", "where the guest's programs come from: host (this machine's root, read-only) or debian (Debian's packages, fetched once into the cache) (default $"+userland.Env+", else debian)")
	f.StringVar(&o.Kernel, "kernel", "", "boot this kernel image (vmlinuz) instead of Debian's")
	f.StringVar(&o.ModulesDir, "modules", "", "the modules of --kernel: a lib/modules/<version> tree or a directory holding one")
	addArchFlag(f, &o.Arch)
	f.StringVar(&o.Accel, "accel", "", "auto (the host's hardware accelerator where it can boot the kernel: KVM on Linux, HVF on macOS; else TCG), kvm (hvf on macOS) or tcg (default $"+vm.AccelEnv+", else auto)")
	f.DurationVar(&o.Timeout, "timeout", 10*time.Minute, "stop the VM after this long")
	f.DurationVar(&o.BootTimeout, "boot-timeout", 0, "give up when the guest's /init has not started after this long (default 10s under KVM, 30s under TCG)")
	f.BoolVar(&timings, "timings", false, "print where the boot's time went, phase by phase: the kernel's start to /init, the boot modules, the host's files, the lab's modules, the command")
	f.BoolVar(&prepare, "prepare", false, "only check that this lvslab can be the guest's /init, and fetch and unpack the kernel (and Debian's userland) into the cache")
	return cmd
}

const vmLong = `Run a command inside a throwaway microVM: qemu boots Debian's stock kernel, with IPVS and every
scheduler, veth, bridge and ipip loaded. Its programs are Debian's (--userland debian, the default: ipvsadm,
ab, curl, ip, ping, tcpdump, bash and the usual tools, built once into the cache from Debian's packages) or
this machine's (--userland host); the working folder, and a command or file named by its absolute path,
are seen as here (writes land in the VM's memory and vanish with it). Output streams live and the exit status is the command's. The lvslab
that started the VM (or its build for the guest's architecture) is first on the command's PATH, so
scripts in the VM can call lvslab. This is how
lvslab runs IPVS labs where the kernel has no IPVS (WSL2, containers, sandboxes); lvslab demo and
lvslab test do it by themselves (--vm=auto).

The accelerator (--accel, or $LVSLAB_ACCEL for every command that boots the VM): auto, the default,
uses KVM where /dev/kvm can boot a stock kernel and TCG (software emulation, about 2 s to boot)
elsewhere. A /dev/kvm that opens is not always one that boots: PVM devices (kvm_pvm, found on cloud
machines without VMX or SVM) are ruled out up front; any other KVM must get the guest's /init running
within 10 s, and a KVM boot that fails, or that qemu reports failing ("KVM internal error"), is retried
once under TCG. That verdict is remembered in the cache's accel/ folder for this host (its kernel and
device), so later runs go straight to TCG; delete the file to try KVM again. A line on stderr says which
accelerator ran and why. --accel kvm insists on KVM; --accel tcg never tries it. On macOS the same goes for
HVF (Hypervisor.framework, where sysctl kern.hv_support is 1): --accel hvf. A TCG boot that stalls before
the guest's /init (--boot-timeout; qemu's emulation now and then does, on a loaded machine) is booted once
more, and says so.

The kernel (linux-image-amd64) is fetched once from Debian's archive into ~/.cache/lvslab (or
$LVSLAB_CACHE), in Go, with no apt: the archive's InRelease checked against Debian's signing keys, which
lvslab carries, its Packages index against InRelease, and the .deb against the index; anything altered is
refused, naming the file and its digest. The mirror is --mirror, else $LVSLAB_DEBIAN_MIRROR, else the
Debian archive in apt's sources (a mirror's security updates are read from <mirror>-security when its
path ends in /debian). With the kernel in the cache, no network is touched. --prepare only fetches. --kernel-package picks another of Debian's kernel packages, e.g.
linux-image-6.12-amd64 (Linux 6.12, which has the twos scheduler); $LVSLAB_KERNEL_PACKAGE does the same
for every command that boots the microVM (lvslab test, demo, --vm). --kernel and --modules boot your own
kernel instead: a vmlinuz and the directory holding its lib/modules/<version> tree. Nothing outlives
lvslab: qemu dies with it.

The guest is this host's architecture unless --arch (or $LVSLAB_ARCH, for every command that boots the
microVM) says amd64 or arm64, or the kernel package names one (linux-image-arm64). An arm64 guest boots
Debian's arm64 kernel and programs under qemu-system-aarch64 (-machine virt, console ttyAMA0; apt-get
install qemu-system-arm) and runs lvslab built for linux/arm64 as its /init: lvslab-linux-arm64 beside
lvslab (make build makes it). Another architecture than the host's runs under TCG.`
