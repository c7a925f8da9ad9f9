//go:build linux

package ipvsnl_test

import (
	"crypto/rand"
	"encoding/hex"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/lvslab/lvslab/internal/needs"
	"github.com/lvslab/lvslab/ipvsnl"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// scratchNamespace makes a network namespace of the test's own, bound under /run/netns, or skips. A dummy
// link gives it routes to 10.0.0.0/24 and fd00::/64: the kernel takes only real servers it can route to.
func scratchNamespace(t *testing.T) string {
	t.Helper()
	needs.IPVS(t)
	b := make([]byte, 3)
	rand.Read(b)
	name := "ipvsnl-" + hex.EncodeToString(b)
	errc := make(chan error)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread is left in the new namespace and retired
		ns, err := netns.NewNamed(name)
		if err != nil {
			errc <- err
			return
		}
		ns.Close()
		link := &netlink.Dummy{LinkAttrs: netlink.LinkAttrs{Name: "lan0"}}
		err = netlink.LinkAdd(link)
		for _, a := range []string{"10.0.0.254/24", "fd00::254/64"} {
			if err == nil {
				addr, _ := netlink.ParseAddr(a)
				addr.Flags = unix.IFA_F_NODAD
				err = netlink.AddrAdd(link, addr)
			}
		}
		if err == nil {
			err = netlink.LinkSetUp(link)
		}
		errc <- err
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { netns.DeleteNamed(name) })
	return "/run/netns/" + name
}

// The handle programs what ipvsadm's rules say, tunnel types included, and reads it back alike.
func TestIPVSHandleProgramsAndReadsBack(t *testing.T) {
	path := scratchNamespace(t)
	h, err := ipvsnl.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	rules := `-A -t 10.0.0.100:80 -s wrr
-a -t 10.0.0.100:80 -r 10.0.0.1:80 -m -w 3
-a -t 10.0.0.100:80 -r 10.0.0.2:80 -i -w 2 --tun-type gue --tun-port 6080 --tun-csum
-A -t [fd00::100]:443 -s wlc -p 360 -M 64
-a -t [fd00::100]:443 -r [fd00::1]:443 -m
-A -u 10.0.0.100:53 -s sh -b sh-fallback,sh-port`
	cmds, errs := ipvsadm.ParseRules(rules)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := &ipvsadm.Table{}
	for _, c := range cmds {
		if err := want.Apply(c); err != nil {
			t.Fatal(err)
		}
		if err := h.Apply(c); err != nil {
			if strings.Contains(err.Error(), "gue") || strings.Contains(c.String(), "gue") {
				t.Skipf("this kernel has no GUE tunnels for IPVS: %v", err)
			}
			t.Fatal(err)
		}
	}
	snap, err := h.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if diff := ipvsadm.Diff(want, &snap.Table); len(diff) > 0 {
		t.Errorf("the kernel's table differs from the rules:\n  %s", strings.Join(diff, "\n  "))
	}
	if err := h.SetTimeouts(100*time.Second, 50*time.Second, 30*time.Second); err != nil {
		t.Error(err)
	}
	if err := h.Apply(ipvsadm.Command{Op: ipvsadm.OpClear}); err != nil {
		t.Fatal(err)
	}
	if snap, err := h.Snapshot(); err != nil || len(snap.Services) != 0 {
		t.Errorf("after -C: %d services, %v", len(snap.Services), err)
	}
}
