package lab

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/moby/ipvs"

	"github.com/lvslab/lvslab/internal/wait"
	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// ipvsConvergeTimeout bounds the wait for the kernel's table to show what was programmed.
const ipvsConvergeTimeout = 2 * time.Second

// wantedTable is the IPVS table the topology asks for.
func (l *Lab) wantedTable() *ipvsadm.Table {
	if l.Topology.IPVS == nil {
		return &ipvsadm.Table{}
	}
	return &ipvsadm.Table{Services: l.Topology.IPVS.Services}
}

// director is the host that holds the IPVS table.
func (l *Lab) director() (string, error) {
	if l.Topology.IPVS == nil {
		return "", fmt.Errorf("lab %s has no ipvs section: no host runs a load balancer", l.Name)
	}
	return l.Topology.IPVS.On, nil
}

// withIPVS opens an IPVS handle in the director's namespace for fn, and closes it: an open handle keeps a
// deleted namespace, and its table, alive.
func (l *Lab) withIPVS(fn func(h *ipvs.Handle) error) error {
	return l.withIPVSAt(func(h *ipvs.Handle, _ string) error { return fn(h) })
}

// withIPVSAt is withIPVS that also gives fn the director namespace's path.
func (l *Lab) withIPVSAt(fn func(h *ipvs.Handle, path string) error) error {
	host, err := l.director()
	if err != nil {
		return err
	}
	if err := CheckIPVS(); err != nil {
		return err
	}
	path, err := l.Namespace(host)
	if err != nil {
		return err
	}
	h, err := ipvs.New(path)
	if err != nil {
		return fmt.Errorf("opening IPVS in %s's namespace: %w", host, err)
	}
	defer h.Close()
	return fn(h, path)
}

// programIPVS builds the topology's table in the director and waits until the kernel shows it.
func (l *Lab) programIPVS(ctx context.Context) error {
	want := l.wantedTable()
	if len(want.Services) == 0 {
		return nil
	}
	err := l.withIPVSAt(func(h *ipvs.Handle, path string) error {
		for _, s := range want.Services {
			if err := apply(h, path, ipvsadm.Command{Op: ipvsadm.OpAddService, Service: *s}); err != nil {
				return err
			}
			// The kernel puts each new real server at the head of its list: add them oldest first.
			for i := len(s.Dests) - 1; i >= 0; i-- {
				if err := apply(h, path, ipvsadm.Command{Op: ipvsadm.OpAddDest, Service: *s, Dest: s.Dests[i]}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return l.awaitTable(ctx, want)
}

// ApplyRule performs one ipvsadm rule on the lab's director, as ipvsadm would, waits until the kernel
// shows it, and records it in the lab's state so that later checks compare against it.
func (l *Lab) ApplyRule(ctx context.Context, c ipvsadm.Command) error {
	want := l.wantedTable()
	next := &ipvsadm.Table{Services: cloneServices(want.Services)}
	if err := next.Apply(c); err != nil {
		return fmt.Errorf("%s: %w", c, err)
	}
	if err := l.withIPVSAt(func(h *ipvs.Handle, path string) error { return apply(h, path, c) }); err != nil {
		return err
	}
	l.Topology.IPVS.Services = next.Services
	if err := saveState(l.dir, l.state); err != nil {
		return err
	}
	return l.awaitTable(ctx, next)
}

func cloneServices(in []*ipvsadm.Service) []*ipvsadm.Service {
	out := make([]*ipvsadm.Service, len(in))
	for i, s := range in {
		c := *s
		c.Dests = slices.Clone(s.Dests)
		c.SchedFlags = slices.Clone(s.SchedFlags)
		out[i] = &c
	}
	return out
}

// apply sends one command to the kernel through moby/ipvs, or, for a real server with GUE or GRE
// tunnelling, which moby/ipvs cannot express, through lvslab's own message.
func apply(h *ipvs.Handle, path string, c ipvsadm.Command) error {
	svc := mobyService(&c.Service)
	var err error
	switch {
	case (c.Op == ipvsadm.OpAddDest || c.Op == ipvsadm.OpEditDest) && needsOwnTunnelMessage(c.Dest):
		err = putTunnelDest(path, &c.Service, c.Dest, c.Op == ipvsadm.OpEditDest)
	default:
		err = applyMoby(h, svc, c)
	}
	if err != nil {
		return fmt.Errorf("the kernel refused ipvsadm %s: %w%s", c, err, schedulerHint(c, err))
	}
	return nil
}

func applyMoby(h *ipvs.Handle, svc *ipvs.Service, c ipvsadm.Command) error {
	var err error
	switch c.Op {
	case ipvsadm.OpAddService:
		err = h.NewService(svc)
	case ipvsadm.OpEditService:
		err = h.UpdateService(svc)
	case ipvsadm.OpDeleteService:
		err = h.DelService(svc)
	case ipvsadm.OpClear:
		err = h.Flush()
	case ipvsadm.OpAddDest:
		err = h.NewDestination(svc, mobyDest(&c.Dest))
	case ipvsadm.OpEditDest:
		err = h.UpdateDestination(svc, mobyDest(&c.Dest))
	case ipvsadm.OpDeleteDest:
		err = h.DelDestination(svc, mobyDest(&c.Dest))
	default:
		err = errors.New("unknown operation")
	}
	return err
}

// schedulerHint explains the kernel's ENOENT for a scheduler whose module is not loaded.
func schedulerHint(c ipvsadm.Command, err error) string {
	if (c.Op == ipvsadm.OpAddService || c.Op == ipvsadm.OpEditService) && strings.Contains(err.Error(), "no such file") {
		return fmt.Sprintf(" (is the scheduler module ip_vs_%s available? try modprobe ip_vs_%s)", c.Service.Scheduler, c.Service.Scheduler)
	}
	return ""
}

// awaitTable polls until the kernel's table equals want, or says how it still differs.
func (l *Lab) awaitTable(ctx context.Context, want *ipvsadm.Table) error {
	var readErr error
	err := wait.Until(ctx, ipvsConvergeTimeout, func() (bool, string) {
		snap, err := l.IPVS()
		if readErr = err; err != nil {
			return errors.Is(err, ErrNoIPVS), err.Error()
		}
		diff := ipvsadm.Diff(want, &snap.Table)
		return len(diff) == 0, "the director's IPVS table differs from what was asked:\n  " + strings.Join(diff, "\n  ")
	})
	if readErr != nil && errors.Is(readErr, ErrNoIPVS) {
		return readErr
	}
	return err
}

// IPVS reads the director's table back from the kernel, with every connection count and counter.
func (l *Lab) IPVS() (*ipvsadm.Snapshot, error) {
	snap := &ipvsadm.Snapshot{Stats: map[ipvsadm.ServiceKey]*ipvsadm.ServiceStats{}}
	err := l.withIPVSAt(func(h *ipvs.Handle, path string) error {
		services, err := h.GetServices()
		if err != nil {
			return fmt.Errorf("listing IPVS services: %w", err)
		}
		for _, ms := range services {
			s := fromMobyService(ms)
			st := &ipvsadm.ServiceStats{Counters: countersOf(ms.Stats), Dests: map[netip.AddrPort]*ipvsadm.DestStats{}}
			dests, err := h.GetDestinations(ms)
			if err != nil {
				return fmt.Errorf("listing the real servers of %s: %w", s.ServiceKey, err)
			}
			for _, md := range dests {
				d := fromMobyDest(md)
				s.Dests = append(s.Dests, d)
				st.Dests[d.Addr] = &ipvsadm.DestStats{ActiveConns: uint32(md.ActiveConnections),
					InactConns: uint32(md.InactiveConnections), Counters: countersOf(ipvs.SvcStats(md.Stats))}
			}
			if err := readTunnels(path, s); err != nil {
				return err
			}
			snap.Services = append(snap.Services, s)
			snap.Stats[s.ServiceKey] = st
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return snap, nil
}

// readTunnels fills in the tunnel options of a service's tunnelling real servers, which moby/ipvs does
// not read.
func readTunnels(path string, s *ipvsadm.Service) error {
	tunnelled := false
	for _, d := range s.Dests {
		tunnelled = tunnelled || d.Method == ipvsadm.Tunnel
	}
	if !tunnelled {
		return nil
	}
	opts, err := tunnelOptions(path, s)
	if err != nil {
		return fmt.Errorf("reading the tunnel options of %s: %w", s.ServiceKey, err)
	}
	for i := range s.Dests {
		if s.Dests[i].Method == ipvsadm.Tunnel {
			s.Dests[i].Tunnel = opts[s.Dests[i].Addr]
		}
	}
	return nil
}

// ipvsCountingTimeout bounds the wait for IPVS's totals to catch up: it folds its per-CPU counters into
// the totals it reports every two seconds.
const ipvsCountingTimeout = 5 * time.Second

// IPVSCounted reads the director's table once IPVS has counted at least want connections over all its
// services, so that the table holds the latest connections. After ipvsCountingTimeout it returns the
// table as it is, for the caller to report what is missing.
func (l *Lab) IPVSCounted(ctx context.Context, want int) (*ipvsadm.Snapshot, error) {
	var snap *ipvsadm.Snapshot
	var readErr error
	err := wait.Until(ctx, ipvsCountingTimeout, func() (bool, string) {
		snap, readErr = l.IPVS()
		if readErr != nil {
			return true, ""
		}
		return totalConns(snap) >= uint64(want), fmt.Sprintf("IPVS has counted %d connections of %d", totalConns(snap), want)
	})
	if readErr != nil {
		return nil, readErr
	}
	if ctx.Err() != nil {
		return nil, err
	}
	return snap, nil
}

func totalConns(s *ipvsadm.Snapshot) (sum uint64) {
	for _, st := range s.Stats {
		sum += st.Conns
	}
	return sum
}
