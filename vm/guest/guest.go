//go:build linux

// Package guest is the microVM's inside: lvslab as the guest's /init (the boot modules, the host's root
// over 9p under an overlay, the command run and its output sent back as frames), its modprobe, and the
// agent of a machine that serves commands until it powers off.
package guest

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/lvslab/lvslab/internal/wait"
	"github.com/lvslab/lvslab/vm/guest/bootload"
	"github.com/lvslab/lvslab/vm/kernel"
	"github.com/lvslab/lvslab/vm/proto"
)

// RunIfInit must be the first thing main does. In the VM it turns the binary into the guest's /init
// (pid 1 with the job file present), which runs the job and powers off without returning, or into the
// guest's modprobe. Anywhere else it returns at once. labNamespace is how the agent finds a lab host's
// namespace; without it, requests to run a command in one fail.
func RunIfInit(labNamespace LabNamespace) {
	if os.Getpid() == 1 {
		if _, err := os.Stat(proto.JobPath); err == nil {
			guestInit(labNamespace)
		}
		return
	}
	if filepath.Base(os.Args[0]) == "modprobe" && proto.InGuest() {
		os.Exit(guestModprobe(os.Args[1:]))
	}
}

// guestInit runs the job and powers the VM off, whatever happens: even a panic ends in a power-off, so
// the host's qemu exits instead of idling until its deadline.
func guestInit(labNamespace LabNamespace) {
	g := &guest{labNamespace: labNamespace}
	defer func() {
		if r := recover(); r != nil {
			g.fail(fmt.Errorf("panic: %v\n%s", r, debug.Stack()))
		}
		g.awaitReceipt()
		powerOff()
	}()
	fmt.Println(proto.InitMarker)
	if at, ok := bootload.Started(); ok && at != 0 {
		g.timings = append(g.timings, proto.Timing{Phase: "boot modules started", At: at})
	}
	g.mark("init")
	if err := g.run(); err != nil {
		g.fail(err)
	}
}

type guest struct {
	labNamespace LabNamespace // how the agent finds a lab host's namespace
	job          proto.Job
	timings      []proto.Timing     // the phases /init reached (mark)
	ch           *os.File           // the channel to the host, once open
	fw           *proto.FrameWriter // nil until the channel to the host is open
}

func (g *guest) run() error {
	if err := os.Symlink("/init", proto.KernelModprobe); err != nil {
		return fmt.Errorf("installing the kernel's modprobe: %w", err)
	}
	if err := mountBasics(""); err != nil {
		return err
	}
	data, err := os.ReadFile(proto.JobPath)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, &g.job); err != nil {
		return fmt.Errorf("job %s: %w", proto.JobPath, err)
	}
	params := cmdlineParams()
	if err := loadBootModules(params); err != nil {
		return err
	}
	g.mark("boot modules")
	if err := g.openChannel(); err != nil {
		return err
	}
	if g.job.Serve {
		// From now on: should the host that boots this machine go away before it detaches, a write to
		// the channel would block for ever; the watcher's read sees it and powers the machine off.
		go g.watchControl()
	}
	if err := g.fw.Send(proto.FrameHello); err != nil {
		return err
	}
	// The modules come from the initramfs, so they load while the root is mounted over 9p.
	loaded := make(chan error, 1)
	go func() {
		loaded <- loadAll(g.job.Load, func(s kernel.LoadStep) error {
			return loadModule(s.Name, modulePath("", g.job.Tree, s), params[s.Name], g.job.Unpacks)
		})
	}()
	rootErr := g.prepareRoot()
	g.mark("root mounted")
	if err := errors.Join(rootErr, <-loaded); err != nil {
		return err
	}
	g.mark("modules loaded")
	if err := setupHost(g.job.Hostname); err != nil {
		return err
	}
	if g.job.Serve {
		return g.serve() // returns only on failure
	}
	code, err := g.runCommand()
	if err != nil {
		return err
	}
	g.mark("command exited")
	for _, o := range g.job.Outputs {
		content, err := readOutput(filepath.Join(proto.NewRoot, o))
		if errors.Is(err, os.ErrNotExist) {
			continue // the host reports a missing output if the command claimed success
		}
		if err == nil {
			err = g.fw.SendFile(o, content)
		}
		if err != nil {
			return err
		}
	}
	if err := g.sendTimings(); err != nil {
		return err
	}
	return g.fw.SendExit(code)
}

// readOutput reads a file the command wrote, at most what a frame may carry back.
func readOutput(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	content, err := io.ReadAll(io.LimitReader(f, proto.MaxOutputBytes+1))
	if err == nil && len(content) > proto.MaxOutputBytes {
		err = fmt.Errorf("output %s: more than the %d bytes a file may have to come back from the VM", path, proto.MaxOutputBytes)
	}
	return content, err
}

// fail reports an error to the host over the channel if it is open, and on the console always.
func (g *guest) fail(err error) {
	fmt.Fprintf(os.Stderr, "lvslab: guest init: %v\n", err)
	if g.fw != nil {
		g.fw.SendError(err)
	}
}

// receiptTimeout bounds the wait for the host's receipt of the last frame: a host that went away sends none.
const receiptTimeout = 30 * time.Second

// awaitReceipt waits until the host has read the last frame (FrameReceived): powering off before that
// would lose whatever of the output and the exit status still waits in qemu's queue for a busy host.
func (g *guest) awaitReceipt() {
	if g.fw == nil || g.job.Serve { // no channel yet, or a serving machine's host does not answer there
		return
	}
	got := make(chan struct{})
	go func() {
		proto.ReadFrame(g.ch, proto.FromRunHost)
		close(got)
	}()
	t := time.NewTimer(receiptTimeout)
	defer t.Stop()
	select {
	case <-got:
	case <-t.C:
		fmt.Fprintf(os.Stderr, "lvslab: guest init: the host did not confirm the exit status within %v; powering off\n", receiptTimeout)
	}
}

// openChannel opens the virtio serial port named portName, waiting for the driver to publish it.
func (g *guest) openChannel() error {
	var dev string
	err := wait.Until(context.Background(), 5*time.Second, func() (bool, string) {
		names, _ := filepath.Glob("/sys/class/virtio-ports/*/name")
		for _, n := range names {
			if b, _ := os.ReadFile(n); strings.TrimSpace(string(b)) == proto.PortName {
				dev = "/dev/" + filepath.Base(filepath.Dir(n))
				_, err := os.Stat(dev)
				return err == nil, dev + " not created yet"
			}
		}
		return false, fmt.Sprintf("no virtio port named %s in /sys/class/virtio-ports", proto.PortName)
	})
	if err != nil {
		return err
	}
	f, err := os.OpenFile(dev, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("opening the host channel: %w", err)
	}
	if g.job.LinkSecret != "" {
		secret, err := hex.DecodeString(g.job.LinkSecret)
		if err == nil {
			_, err = f.Write(secret)
		}
		if err != nil {
			f.Close()
			return fmt.Errorf("sending the host the job's secret: %w", err)
		}
	}
	g.ch, g.fw = f, proto.NewFrameWriter(f)
	return nil
}

func powerOff() {
	unix.Sync()
	unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
	unix.Reboot(unix.LINUX_REBOOT_CMD_RESTART) // with -no-reboot, qemu exits on reset too
	select {}
}
