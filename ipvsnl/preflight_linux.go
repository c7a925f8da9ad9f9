package ipvsnl

import (
	"fmt"
	"sync/atomic"

	"github.com/vishvananda/netlink"

	"github.com/lvslab/lvslab/internal/kmod"
)

// ipvsPresent remembers a successful check: the family stays once ip_vs is loaded, and every read of the
// table (polled while waiting) would otherwise ask the kernel again.
var ipvsPresent atomic.Bool

// Check makes sure the kernel speaks IPVS over generic netlink, loading ip_vs if it can. moby/ipvs looks
// the family up once per process and fails silently ever after when it is missing (logging through the
// global logrus logger), so Open runs this before the first moby/ipvs call.
func Check() error {
	if ipvsPresent.Load() || ipvsFamilyPresent() {
		ipvsPresent.Store(true)
		return nil
	}
	err := kmod.Load("ip_vs")
	if ipvsFamilyPresent() {
		ipvsPresent.Store(true)
		return nil
	}
	why := "modprobe ip_vs succeeded, yet the family is still missing"
	if err != nil {
		why = err.Error()
	}
	return fmt.Errorf("%w: the generic netlink family \"IPVS\" is absent (%s). Use the microVM (lvslab vm, "+
		"or --vm=always on demo, test and up), or a kernel built with CONFIG_IP_VS", ErrNoIPVS, why)
}

func ipvsFamilyPresent() bool {
	_, err := netlink.GenlFamilyGet("IPVS")
	return err == nil
}

// CheckScheduler makes sure the kernel can schedule with name, loading its module (ip_vs_NAME) if needed.
func CheckScheduler(name string) error {
	if err := Check(); err != nil {
		return err
	}
	if err := kmod.Load("ip_vs_" + name); err != nil {
		return fmt.Errorf("%w %s: %w", ErrNoScheduler, name, err)
	}
	return nil
}
