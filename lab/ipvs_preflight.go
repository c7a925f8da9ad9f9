package lab

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sirupsen/logrus"
	"github.com/vishvananda/netlink"
)

// ErrNoIPVS says the running kernel cannot program IPVS. Callers may run the lab in the microVM instead.
var ErrNoIPVS = errors.New("this kernel has no IPVS")

var (
	quietMoby sync.Once
	// ipvsPresent remembers a successful check: the family stays once ip_vs is loaded, and every read of
	// the table (polled while waiting) would otherwise ask the kernel again.
	ipvsPresent atomic.Bool
)

// CheckIPVS makes sure the kernel speaks IPVS over generic netlink, loading ip_vs if it can. moby/ipvs
// looks the family up once per process and fails silently ever after when it is missing, so this must
// run before the first moby/ipvs call.
func CheckIPVS() error {
	// moby/ipvs logs through logrus, onto stderr, when it cannot find the family; lvslab reports errors itself.
	quietMoby.Do(func() { logrus.SetLevel(logrus.PanicLevel) })
	if ipvsPresent.Load() || ipvsFamilyPresent() {
		ipvsPresent.Store(true)
		return nil
	}
	out, err := exec.Command(modprobe(), "ip_vs").CombinedOutput()
	if ipvsFamilyPresent() {
		ipvsPresent.Store(true)
		return nil
	}
	why := "modprobe ip_vs"
	switch {
	case err != nil && len(out) > 0:
		why += ": " + strings.TrimSpace(string(out))
	case err != nil:
		why += ": " + err.Error()
	default:
		why += " succeeded, yet the family is still missing"
	}
	return fmt.Errorf("%w: the generic netlink family \"IPVS\" is absent (%s). Run lvslab with --vm=always "+
		"to use the microVM, or on a kernel built with CONFIG_IP_VS", ErrNoIPVS, why)
}

func ipvsFamilyPresent() bool {
	_, err := netlink.GenlFamilyGet("IPVS")
	return err == nil
}

// modprobe finds modprobe where Debian keeps it, which a user's PATH may lack.
func modprobe() string {
	if p, err := exec.LookPath("modprobe"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/modprobe", "/sbin/modprobe"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "modprobe"
}

// ErrNoScheduler says the kernel has IPVS but not the scheduler asked for (twos, say, before Linux 6.7).
var ErrNoScheduler = errors.New("this kernel lacks the scheduler")

// CheckScheduler makes sure the kernel can schedule with name, loading its module (ip_vs_NAME) if needed.
func CheckScheduler(name string) error {
	if err := CheckIPVS(); err != nil {
		return err
	}
	if err := modprobeModule("ip_vs_" + name); err != nil {
		return fmt.Errorf("%w %s: %w", ErrNoScheduler, name, err)
	}
	return nil
}

// modprobeModule runs modprobe name; its error carries what modprobe said.
func modprobeModule(name string) error {
	out, err := exec.Command(modprobe(), name).CombinedOutput()
	if err != nil {
		return fmt.Errorf("modprobe %s failed: %s", name, strings.TrimSpace(string(out)+" "+err.Error()))
	}
	return nil
}
