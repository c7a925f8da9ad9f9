package vm

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/lvslab/lvslab/vm/proto"
)

// File descriptors qemu inherits, in exec.Cmd.ExtraFiles order.
const (
	fdInitrd  = 3 // the initramfs (anonFile)
	fdChannel = 4 // the link for the virtio serial port (or a placeholder: linksOverLoopback)
	fdConsole = 5 // the link for the kernel console (or a placeholder)
	fdKernel  = 6 // the kernel (anonFile), when it was unpacked for this run
)

type qemuConfig struct {
	arch   guestArch
	kernel string // what -kernel loads
	name   string // -name, unique per run, so a stray qemu can be told apart
	initrd string // the path qemu opens the initramfs by
	memory int
	cpus   int
	hw     bool // under the host's hardware accelerator (hostAccel), not TCG
	tscKHz int  // the host's TSC rate, which an x86 TCG guest shares; 0 if unknown or unused
	hz     int  // the kernel's CONFIG_HZ; 0 if unknown
	// A machine that serves (Boot): the host port qemu forwards to the guest's agent, and the file that
	// takes the kernel console instead of fdConsole.
	agentPort  int
	consoleLog string
	// The -chardev options of the guest's channel and of the console (link.chardev); a machine that serves
	// takes its console in consoleLog instead.
	channel, console string
	share            string // Options.Share
	userland         string // Options.Userland
	userlandDisk     string // the userland's EROFS image, given to the guest instead of userland's 9p share
	noHostRoot       bool   // no 9p share of the host's root: the host has none (ninePShares)
	modulesDisk      string // then, the kernel's modules as an EROFS image
}

// qemuArgs is the whole qemu command line.
func qemuArgs(c qemuConfig) []string {
	accel := []string{"-accel", "tcg,thread=multi", "-cpu", c.arch.tcgCPU}
	if c.hw {
		accel = hostAccel.args
	}
	cmdline := []string{
		"console=" + c.arch.console, "quiet", "loglevel=4",
		// A panic reboots, and -no-reboot makes qemu exit.
		"panic=-1",
	}
	cmdline = append(cmdline, c.arch.cmdline...)
	cmdline = append(cmdline,
		// Crypto self-tests take 0.2 s under TCG.
		"cryptomgr.notests", "initcall_blacklist=crypto_kdf108_init,init_kprobe_trace",
		proto.CmdlineMarker,
	)
	if !c.hw {
		// What costs much under emulation only, in a throwaway machine whose commands run as root anyway:
		cmdline = append(cmdline,
			// making the kernel's text read-only and checking every mapping for W+X (Debian's DEBUG_WX),
			// 0.1 s just before /init;
			"rodata=off",
			// address space randomisation: TCG finds the code it translated by virtual address too, so a
			// library mapped elsewhere in each process is translated anew (exec of /bin/true: 34 ms, 16 without).
			"norandmaps",
			// zeroing every page the kernel allocates, the initramfs's included (Debian's INIT_ON_ALLOC):
			// a quarter of its unpacking.
			"init_on_alloc=0",
		)
		if c.arch.native() && x86FeaturesOptional() {
			// /init's Go without two x86 features that TCG emulates dearly (the kernel makes /init's
			// environment of this word): SSE4.2, or the zstd reader lvslab links would build its tables with
			// emulated CRC32 instructions at start (19 ms); AVX, or Go's memmove copies with emulated 256-bit
			// moves: with it, /init reached its main 0.17 s later (1.02 s against 0.85 s of the guest's clock).
			cmdline = append(cmdline, tcgGodebug)
		}
		if c.tscKHz > 0 {
			cmdline = append(cmdline, "tsc_early_khz="+strconv.Itoa(c.tscKHz), "tsc=reliable")
			if c.hz > 0 {
				// The second CPU calibrates its delay loop against jiffies, slowly and badly under TCG.
				cmdline = append(cmdline, "lpj="+strconv.Itoa(c.tscKHz*1000/c.hz))
			}
		}
	}
	args := []string{"-name", c.name, "-machine", c.arch.machine}
	args = append(args, accel...)
	args = append(args,
		"-smp", strconv.Itoa(c.cpus),
		"-m", strconv.Itoa(c.memory),
		"-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
		"-kernel", c.kernel,
		"-initrd", c.initrd,
		"-append", strings.Join(cmdline, " "),
		"-chardev", consoleChardev(c),
		"-serial", "chardev:console",
		"-device", "virtio-serial-device",
		"-chardev", c.channel,
		"-device", "virtserialport,chardev=channel,name="+proto.PortName,
	)
	if c.noHostRoot {
		args = append(args, readOnlyDisk("modules", c.modulesDisk, proto.ModulesDiskSerial)...)
	} else {
		args = append(args,
			// multidevs=remap keeps inode numbers unique across the host's filesystems: without it the guest
			// takes /proc and /sys (both inode 1) for one directory.
			"-fsdev", "local,id=root,path=/,security_model=none,readonly=on,multidevs=remap",
			"-device", "virtio-9p-device,fsdev=root,mount_tag="+proto.MountTag,
		)
	}
	if c.agentPort != 0 {
		args = append(args,
			// restrict=on: the guest reaches nothing through it; only the host's forward reaches the agent.
			"-netdev", fmt.Sprintf("user,id=agent,restrict=on,hostfwd=tcp:127.0.0.1:%d-%s", c.agentPort, proto.AgentGuestAddr),
			"-device", "virtio-net-device,netdev=agent",
		)
	}
	if c.userlandDisk != "" {
		args = append(args, readOnlyDisk("userland", c.userlandDisk, proto.UserlandDiskSerial)...)
	} else if c.userland != "" {
		args = append(args,
			"-fsdev", "local,id=userland,path="+qemuOption(c.userland)+",security_model=none,readonly=on,multidevs=remap",
			"-device", "virtio-9p-device,fsdev=userland,mount_tag="+proto.UserlandTag,
		)
	}
	if c.share != "" {
		args = append(args,
			"-fsdev", "local,id=share,path="+qemuOption(c.share)+",security_model=none,multidevs=remap",
			"-device", "virtio-9p-device,fsdev=share,mount_tag="+proto.ShareTag,
		)
	}
	return args
}

// readOnlyDisk is qemu's arguments for the image at file as a read-only virtio disk, whose serial names
// it to the guest.
func readOnlyDisk(id, file, serial string) []string {
	return []string{
		"-drive", "file=" + qemuOption(file) + ",if=none,id=" + id + ",format=raw,readonly=on",
		"-device", "virtio-blk-device,drive=" + id + ",serial=" + serial,
	}
}

// tcgGodebug turns off, in /init under TCG, the x86 features emulation makes dear.
const tcgGodebug = "GODEBUG=cpu.sse42=off,cpu.avx=off"

// x86FeaturesOptional tells whether this binary, the guest's /init, may be told not to use SSE4.2 and AVX:
// only one built for GOAMD64=v1 (the default); from v2 on, Go takes SSE4.2 as given (AVX from v3), and the
// option only earns a warning.
func x86FeaturesOptional() bool {
	info, ok := debug.ReadBuildInfo()
	if !ok || runtime.GOARCH != "amd64" {
		return false
	}
	for _, s := range info.Settings {
		if s.Key == "GOAMD64" {
			return s.Value == "v1"
		}
	}
	return true
}

func consoleChardev(c qemuConfig) string {
	if c.consoleLog != "" {
		return "file,id=console,path=" + c.consoleLog
	}
	return c.console
}
