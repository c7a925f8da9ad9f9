// Package ipvsnl programs and reads the kernel's IPVS over generic netlink, on a network namespace
// given by its path: moby/ipvs underneath, plus the messages moby/ipvs lacks (a real server's tunnel
// type: GUE and GRE, with their ports and checksum flags). It speaks ipvsadm's model
// (topology/ipvsadm): commands in, tables and counters out.
package ipvsnl

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/vishvananda/netlink"

	"github.com/lvslab/lvslab/internal/kmod"
)

// ErrNoIPVS says the running kernel cannot program IPVS. Callers may run the lab in the microVM instead.
var ErrNoIPVS = errors.New("this kernel has no IPVS")

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

// ErrNoScheduler says the kernel has IPVS but not the scheduler asked for (twos, say, before Linux 6.7).
var ErrNoScheduler = errors.New("this kernel lacks the scheduler")

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
