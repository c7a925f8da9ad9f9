//go:build linux

package lab

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/lvslab/lvslab/internal/netnsenter"
)

// keepFlowsInOrder has every interface of the namespaces at nsPaths steer what it receives to one CPU per
// flow (RPS over every CPU this process may use), so that a TCP connection's packets keep their order
// across the lab's links. It returns the step to take once the interfaces exist, nil if none is needed:
// where the kernel has a default for interfaces yet to come (net.core.rps_default_mask, Linux 6.2 and
// later), it sets that in each namespace at once, a sysctl on a thread that enters the namespace;
// elsewhere each interface's own setting is written afterwards, through a sysfs mounted for each
// namespace, which costs ten times as much.
//
// A veth hands each packet to the backlog of the CPU that sent it. A client sends its handshake's ACK,
// or a retransmitted SYN, from the CPU that took the SYN-ACK, and its request from the CPU its program
// runs on; when the first CPU stalls (a busy machine, a microVM's vCPU waiting for the host), the request,
// the response and both FINs can pass the director before that SYN. IPVS then takes the late SYN for a new
// connection on a reused port, schedules it (its count and the weighted round robin move on) and sends it
// to a real server that never gets a connection from it: the director counts connections the servers did
// not see, and splits drift. With RPS each flow goes through one CPU's backlog at every hop, in the order
// it was sent.
func keepFlowsInOrder(nsPaths []string) (afterLinks func() error, err error) {
	mask, err := usableCPUMask()
	if err != nil {
		return nil, err
	}
	if !hasDefaultRPSMask() {
		return func() error { return setEachInterfaceRPS(nsPaths, mask) }, nil
	}
	errs := make([]error, len(nsPaths))
	inParallel(len(nsPaths), func(i int) {
		errs[i] = inNamespace(nsPaths[i], func() error { return writeSysctl(defaultRPSMask, mask) })
	})
	return nil, errors.Join(errs...)
}

// defaultRPSMask gives the interfaces registered in a network namespace their RPS CPUs.
const defaultRPSMask = "net.core.rps_default_mask"

// testHookNoDefaultRPSMask, when set, makes the kernel's default look absent, as on Linux 6.1.
var testHookNoDefaultRPSMask bool

func hasDefaultRPSMask() bool {
	_, err := os.Stat("/proc/sys/" + strings.ReplaceAll(defaultRPSMask, ".", "/"))
	return err == nil && !testHookNoDefaultRPSMask
}

// setEachInterfaceRPS writes mask to the RPS setting of every interface of the namespaces at nsPaths.
func setEachInterfaceRPS(nsPaths []string, mask string) error {
	return withNamespacesSysfs(nsPaths, func() error {
		queues, err := receiveQueues()
		if err != nil {
			return err
		}
		var errs []error
		for _, q := range queues {
			if err := os.WriteFile(q, []byte(mask), 0); err != nil {
				errs = append(errs, fmt.Errorf("keeping flows in order: writing %s to %s: %w", mask, q, err))
			}
		}
		return errors.Join(errs...)
	})
}

// receiveQueues are the RPS settings of every interface but lo, as the namespace's sysfs shows them; none
// on a kernel without RPS, which has no reordering to prevent either.
func receiveQueues() ([]string, error) {
	queues, err := filepath.Glob("/sys/class/net/*/queues/rx-*/rps_cpus")
	return slices.DeleteFunc(queues, func(q string) bool { return strings.HasPrefix(q, "/sys/class/net/lo/") }), err
}

// withNamespacesSysfs runs fn once for each network namespace at nsPaths, on a throwaway thread whose /sys
// shows that namespace. sysfs shows the network namespace of whoever mounts it: the thread mounts one over
// /sys for each, in a mount namespace of its own, as ip netns exec does. One thread and one mount namespace
// serve them all: copying the mount namespace, which holds a mount per lab namespace, for each of them
// would cost in the square of their number.
func withNamespacesSysfs(nsPaths []string, fn func() error) error {
	return netnsenter.OnThrowawayThread(func() error {
		if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
			return fmt.Errorf("a mount namespace to see the lab's sysfs in: %w", err)
		}
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			return fmt.Errorf("making mounts private to see the lab's sysfs: %w", err)
		}
		for _, nsPath := range nsPaths {
			if err := inNamespaceSysfs(nsPath, fn); err != nil {
				return err
			}
		}
		return nil
	})
}

// inNamespaceSysfs enters the network namespace at nsPath, mounts its sysfs over /sys, runs fn, and
// unmounts it again. The thread must be locked and in a private mount namespace of its own.
func inNamespaceSysfs(nsPath string, fn func() error) error {
	if err := netnsenter.Enter(nsPath); err != nil {
		return err
	}
	if err := unix.Mount("sysfs", "/sys", "sysfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mounting %s's sysfs: %w", nsPath, err)
	}
	err := fn()
	if uerr := unix.Unmount("/sys", unix.MNT_DETACH); uerr != nil && err == nil {
		err = fmt.Errorf("unmounting %s's sysfs: %w", nsPath, uerr)
	}
	return err
}

// usableCPUMask is the CPUs this process may run on, as a sysfs CPU mask: hexadecimal, in groups of 32
// bits from the highest, separated by commas ("3" for CPUs 0 and 1; "1,00000000" for CPU 32).
func usableCPUMask() (string, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return "", fmt.Errorf("reading the CPUs lvslab may use: %w", err)
	}
	return cpuMask(set.IsSet, 8*int(unsafe.Sizeof(set))), nil
}

func cpuMask(isSet func(int) bool, bits int) string {
	groups := make([]uint32, (bits+31)/32)
	for cpu := range bits {
		if isSet(cpu) {
			groups[cpu/32] |= 1 << (cpu % 32)
		}
	}
	top := len(groups) - 1
	for top > 0 && groups[top] == 0 {
		top--
	}
	parts := []string{fmt.Sprintf("%x", groups[top])}
	for i := top - 1; i >= 0; i-- {
		parts = append(parts, fmt.Sprintf("%08x", groups[i]))
	}
	return strings.Join(parts, ",")
}
