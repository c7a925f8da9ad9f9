//go:build linux

package lab

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/lvslab/lvslab/realserver"
	"github.com/lvslab/lvslab/topology"
)

// ApplyFault applies f on the running lab and says what it left: "rs1's server: stopped", "rs2 eth0: down".
func (l *Lab) ApplyFault(ctx context.Context, f Fault) (string, error) {
	if err := f.Check(); err != nil {
		return "", err
	}
	if s, ok := f.Sysctl(); ok {
		if director, _ := l.director(); f.Host != director {
			return "", fmt.Errorf("%s is a sysctl of the director's IPVS, and %s is not lab %s's director (%s)", s.Name, f.Host, l.Name, director)
		}
		if err := l.SetDirectorSysctl(s); err != nil {
			return "", err
		}
		return fmt.Sprintf("%s: net.ipv4.vs.%s", f.Host, s), nil
	}
	if f.Action == LinkFlap {
		return l.flap(ctx, f)
	}
	if f.OnLink() {
		ifname, err := l.SetLinkUp(f.Host, f.Interface, f.Action == LinkUp)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s %s: %s", f.Host, ifname, strings.TrimPrefix(f.Action, "link-")), nil
	}
	state, err := l.ServerFault(ctx, f.Host, f.Action)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s's server: %s", f.Host, state), nil
}

// flap takes the host's link down for the fault's period, then up for as long, its times over; a flap cut
// short by ctx leaves the link up.
func (l *Lab) flap(ctx context.Context, f Fault) (string, error) {
	var ifname string
	stopped := func(done int) error {
		return fmt.Errorf("%s %s: the flap was stopped after %d of %d times (%w); the link is up", f.Host, ifname, done, f.Times, ctx.Err())
	}
	for i := range f.Times {
		var err error
		if ifname, err = l.SetLinkUp(f.Host, f.Interface, false); err != nil {
			return "", err
		}
		if testHookFlapDown != nil {
			testHookFlapDown(i)
		}
		held := holdFor(ctx, f.Period)
		if _, err := l.SetLinkUp(f.Host, f.Interface, true); err != nil {
			return "", err
		}
		switch {
		case !held:
			return "", stopped(i)
		case i+1 < f.Times && !holdFor(ctx, f.Period):
			return "", stopped(i + 1)
		}
	}
	return fmt.Sprintf("%s %s: flapped %d times, down %v and up %v each, now up", f.Host, ifname, f.Times, f.Period, f.Period), nil
}

// testHookFlapDown, when set, runs each time a flap has taken the link down: tests look at the lab then.
var testHookFlapDown func(time int)

// holdFor keeps a state for d, the point of a flap: false if ctx ended first.
func holdFor(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// ServerFault applies a fault to host's servers (realserver.Stop, Start, Hang, Resume) on the running lab
// and returns their state after.
func (l *Lab) ServerFault(ctx context.Context, host, action string) (string, error) {
	h := l.Topology.Host(host)
	switch {
	case h == nil:
		return "", fmt.Errorf("lab %s has no host %q", l.Name, host)
	case h.HTTP == nil && h.UDP == nil:
		return "", fmt.Errorf("host %s runs no server in lab %s", host, l.Name)
	}
	if l.state.Server == nil || !l.state.Server.running() {
		return "", fmt.Errorf("lab %s's server process is not running: `lvslab status %s` shows what is wrong", l.Name, l.Name)
	}
	state, err := realserver.AskFault(ctx, controlPath(l.dir, l.Name), host, action)
	if err != nil {
		return "", fmt.Errorf("%s %s's server: %w", action, host, err)
	}
	return state, nil
}

// SetLinkUp takes host's interface ifname ("" for its only one) down or brings it up again, on the
// running lab, as a cable pulled and plugged back; it returns the interface's name. The link keeps its
// addresses; the kernel drops the routes through it, which bringing it up puts back.
func (l *Lab) SetLinkUp(host, ifname string, up bool) (string, error) {
	var peer int // the switch's end of the cable: its index there
	name, err := l.onLink(host, ifname, func(nl *netlink.Handle, ifc *topology.Interface, link netlink.Link) error {
		peer = link.Attrs().ParentIndex
		return setLinkUp(nl, l.Topology.Host(host), ifc, link, up)
	})
	if err != nil || !up {
		return name, err
	}
	// The switch's end comes back too, and its queue as late as the host's.
	return name, l.inSwitch(func(nl *netlink.Handle) error {
		port, err := nl.LinkByIndex(peer)
		if err != nil {
			return fmt.Errorf("the switch's end of %s's %s: %w", host, name, err)
		}
		return waitCarrier(context.Background(), nl, []netlink.Link{port})
	})
}

// setLinkUp takes the host's interface down, or up with its routes, in the host's namespace.
func setLinkUp(nl *netlink.Handle, h *topology.Host, ifc *topology.Interface, link netlink.Link, up bool) error {
	if !up {
		// A link that goes down keeps its IPv6 addresses (the lab's, the VIPs derived for it), as
		// its IPv4 ones: a cable pulled does not unconfigure the host.
		keep := "/proc/sys/net/ipv6/conf/" + ifc.Name + "/keep_addr_on_down"
		if err := os.WriteFile(keep, []byte("1"), 0); err != nil && !errors.Is(err, fs.ErrNotExist) { // no IPv6
			return fmt.Errorf("keeping %s's addresses on %s while it is down: %w", h.Name, ifc.Name, err)
		}
		if err := nl.LinkSetDown(link); err != nil {
			return fmt.Errorf("taking %s's %s down: %w", h.Name, ifc.Name, err)
		}
		return nil
	}
	if err := nl.LinkSetUp(link); err != nil {
		return fmt.Errorf("bringing %s's %s up: %w", h.Name, ifc.Name, err)
	}
	// The kernel turns a link's queue on only once it sees the carrier, a moment later (at once on a
	// fast machine; under emulation, after the next connection was lost): until then it drops what
	// is sent, as if the link were still down.
	if err := waitCarrier(context.Background(), nl, []netlink.Link{link}); err != nil {
		return fmt.Errorf("bringing %s's %s up: %w", h.Name, ifc.Name, err)
	}
	return restoreRoutes(nl, h, ifc)
}

// restoreRoutes puts back the host's default route and its extra routes whose next hop is on ifc: the
// kernel dropped them with the link.
func restoreRoutes(nl *netlink.Handle, h *topology.Host, ifc *topology.Interface) error {
	for _, r := range routesOf(h, ifc.Address.Masked().Contains) {
		if err := nl.RouteReplace(r.route); err != nil {
			return fmt.Errorf("%s's %s: %w", h.Name, r.what, err)
		}
	}
	return nil
}
