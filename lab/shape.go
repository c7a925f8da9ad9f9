//go:build linux

package lab

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/lvslab/lvslab/internal/kmod"
	"github.com/lvslab/lvslab/topology"
)

// shapeLink makes s the root queueing discipline of link (netem), replacing what was there, or, for the
// zero Shape, takes a netem root away (the kernel's default comes back).
func shapeLink(nl *netlink.Handle, link netlink.Link, s topology.Shape) error {
	if s.IsZero() {
		q, err := netemOn(nl, link)
		if err != nil || q == nil {
			return err
		}
		if err := nl.QdiscDel(q); err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("taking the shaping off %s: %w", link.Attrs().Name, err)
		}
		return nil
	}
	q := netlink.NewNetem(netlink.QdiscAttrs{LinkIndex: link.Attrs().Index, Handle: netlink.MakeHandle(1, 0), Parent: netlink.HANDLE_ROOT}, netemAttrs(s))
	err := nl.QdiscReplace(q)
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EOPNOTSUPP) {
		// The kind is unknown until its module is in: load it once and try again.
		if kerr := kmod.Load(netemModule); kerr != nil {
			return fmt.Errorf("shaping %s needs netem (CONFIG_NET_SCH_NETEM), which this kernel cannot load: %v; lvslab's microVM has it (--vm=always)", link.Attrs().Name, kerr)
		}
		err = nl.QdiscReplace(q)
	}
	if err != nil {
		return fmt.Errorf("shaping %s with netem (%s): %w", link.Attrs().Name, s, err)
	}
	return nil
}

// netemOn is the netem at the root of link, or nil when its root is something else.
func netemOn(nl *netlink.Handle, link netlink.Link) (*netlink.Netem, error) {
	qs, err := nl.QdiscList(link)
	if err != nil {
		return nil, fmt.Errorf("reading %s's queueing disciplines: %w", link.Attrs().Name, err)
	}
	for _, q := range qs {
		if n, ok := q.(*netlink.Netem); ok && q.Attrs().Parent == netlink.HANDLE_ROOT {
			return n, nil
		}
	}
	return nil, nil
}

// netemAttrs are s in netem's terms: microseconds, per cents, bytes per second.
func netemAttrs(s topology.Shape) netlink.NetemQdiscAttrs {
	return netlink.NetemQdiscAttrs{
		Latency:     uint32(s.Delay / time.Microsecond),
		Jitter:      uint32(s.Jitter / time.Microsecond),
		Loss:        float32(s.Loss),
		Duplicate:   float32(s.Duplicate),
		ReorderProb: float32(s.Reorder),
		CorruptProb: float32(s.Corrupt),
		Rate64:      s.Rate / 8,
	}
}

// shapeOfNetem reads a netem back as a Shape. The kernel gives delays in its packet scheduler's ticks and
// per cents as fractions of 2^32: both are rounded back to what a Shape says (microseconds, per cents to
// four decimals).
func shapeOfNetem(q *netlink.Netem) topology.Shape {
	pct := func(f uint32) float64 { return math.Round(float64(f)/math.MaxUint32*100*1e4) / 1e4 }
	us := func(ticks uint32) time.Duration {
		return time.Duration(math.Round(float64(ticks)/netlink.TickInUsec())) * time.Microsecond
	}
	return topology.Shape{
		Delay:     us(q.Latency),
		Jitter:    us(q.Jitter),
		Loss:      pct(q.Loss),
		Duplicate: pct(q.Duplicate),
		Reorder:   pct(q.ReorderProb),
		Corrupt:   pct(q.CorruptProb),
		Rate:      q.Rate64 * 8,
	}
}

// SetShape shapes what host sends on its interface ifname ("" for its only one) with s, on the running
// lab, replacing any shaping there; the zero Shape takes it away. It returns the interface's name and its
// shaping as the kernel now has it.
func (l *Lab) SetShape(host, ifname string, s topology.Shape) (string, topology.Shape, error) {
	if err := s.Check(); err != nil {
		return "", topology.Shape{}, err
	}
	var now topology.Shape
	name, err := l.onLink(host, ifname, func(nl *netlink.Handle, _ *topology.Interface, link netlink.Link) error {
		if err := shapeLink(nl, link, s); err != nil {
			return err
		}
		var err error
		now, err = readShape(nl, link)
		return err
	})
	return name, now, err
}

// ShapeOf reads from the kernel how host's interface ifname ("" for its only one) is shaped, and that
// interface's name.
func (l *Lab) ShapeOf(host, ifname string) (string, topology.Shape, error) {
	var s topology.Shape
	name, err := l.onLink(host, ifname, func(nl *netlink.Handle, _ *topology.Interface, link netlink.Link) error {
		var err error
		s, err = readShape(nl, link)
		return err
	})
	return name, s, err
}

// Shapes reads from the kernel how each host's interfaces are shaped: host, then interface, for those
// that are; hosts it cannot read are errors beside what it could.
func (l *Lab) Shapes() (map[string]map[string]topology.Shape, error) {
	out := map[string]map[string]topology.Shape{}
	var errs []error
	for _, h := range l.Topology.Hosts {
		err := l.inHost(h.Name, func(nl *netlink.Handle) error {
			for _, ifc := range h.Interfaces {
				link, err := linkOf(nl, h.Name, ifc.Name)
				if err != nil {
					return err
				}
				s, err := readShape(nl, link)
				if err != nil {
					return err
				}
				if !s.IsZero() {
					if out[h.Name] == nil {
						out[h.Name] = map[string]topology.Shape{}
					}
					out[h.Name][ifc.Name] = s
				}
			}
			return nil
		})
		errs = append(errs, err)
	}
	return out, errors.Join(errs...)
}

func readShape(nl *netlink.Handle, link netlink.Link) (topology.Shape, error) {
	q, err := netemOn(nl, link)
	if err != nil || q == nil {
		return topology.Shape{}, err
	}
	return shapeOfNetem(q), nil
}

// hostInterface is host's interface named ifname, or its only one when ifname is "".
func (l *Lab) hostInterface(host, ifname string) (*topology.Interface, error) {
	h := l.Topology.Host(host)
	if h == nil {
		return nil, fmt.Errorf("lab %s has no host %q", l.Name, host)
	}
	if ifname == "" {
		if len(h.Interfaces) != 1 {
			return nil, fmt.Errorf("host %s has %d interfaces: name one, as %s:%s", host, len(h.Interfaces), host, h.Interfaces[0].Name)
		}
		return h.Interfaces[0], nil
	}
	if ifc := h.Interface(ifname); ifc != nil {
		return ifc, nil
	}
	return nil, fmt.Errorf("host %s has no interface %q", host, ifname)
}

// onLink runs fn in host's namespace on its interface ifname ("" for its only one), and returns that
// interface's name.
func (l *Lab) onLink(host, ifname string, fn func(*netlink.Handle, *topology.Interface, netlink.Link) error) (string, error) {
	ifc, err := l.hostInterface(host, ifname)
	if err != nil {
		return "", err
	}
	return ifc.Name, l.inHost(host, func(nl *netlink.Handle) error {
		link, err := linkOf(nl, host, ifc.Name)
		if err != nil {
			return err
		}
		return fn(nl, ifc, link)
	})
}

// linkOf is host's interface ifname, in the handle's namespace.
func linkOf(nl *netlink.Handle, host, ifname string) (netlink.Link, error) {
	link, err := nl.LinkByName(ifname)
	if err != nil {
		return nil, fmt.Errorf("%s's %s: %w", host, ifname, err)
	}
	return link, nil
}

// inHost runs fn with a netlink handle in host's namespace, proven the lab's.
func (l *Lab) inHost(host string, fn func(*netlink.Handle) error) error {
	path, err := l.Namespace(host)
	if err != nil {
		return err
	}
	return withNetlink(path, fn)
}

// inSwitch runs fn with a netlink handle in the namespace of the lab's bridges, proven the lab's.
func (l *Lab) inSwitch(fn func(*netlink.Handle) error) error {
	return l.inHost("", fn) // the lab records its switch's namespace as no host's
}

// withNetlink runs fn with a netlink handle in the namespace at path.
func withNetlink(path string, fn func(*netlink.Handle) error) error {
	return inNamespace(path, func() error {
		nl, err := netlink.NewHandle(unix.NETLINK_ROUTE)
		if err != nil {
			return err
		}
		defer nl.Close()
		return fn(nl)
	})
}
