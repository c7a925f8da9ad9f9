//go:build linux

package lab

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lvslab/lvslab/internal/wait"
	"github.com/lvslab/lvslab/ipvsnl"
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
func (l *Lab) withIPVS(fn func(h *ipvsnl.Handle) error) error {
	host, err := l.director()
	if err != nil {
		return err
	}
	if err := ipvsnl.Check(); err != nil {
		return err
	}
	path, err := l.Namespace(host)
	if err != nil {
		return err
	}
	h, err := ipvsnl.Open(path)
	if err != nil {
		return fmt.Errorf("%s: %w", host, err)
	}
	defer h.Close()
	return fn(h)
}

// programIPVS builds the topology's table in the director and waits until the kernel shows it.
func (l *Lab) programIPVS(ctx context.Context) error {
	want := l.wantedTable()
	if len(want.Services) == 0 {
		return nil
	}
	err := l.withIPVS(func(h *ipvsnl.Handle) error {
		for _, s := range want.Services {
			if err := h.Apply(ipvsadm.Command{Op: ipvsadm.OpAddService, Service: *s}); err != nil {
				return err
			}
			// The kernel puts each new real server at the head of its list: add them oldest first.
			for i := len(s.Dests) - 1; i >= 0; i-- {
				if err := h.Apply(ipvsadm.Command{Op: ipvsadm.OpAddDest, Service: *s, Dest: s.Dests[i]}); err != nil {
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
	if err := l.withIPVS(func(h *ipvsnl.Handle) error { return h.Apply(c) }); err != nil {
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

// awaitTable polls until the kernel's table equals want, or says how it still differs.
func (l *Lab) awaitTable(ctx context.Context, want *ipvsadm.Table) error {
	var readErr error
	err := wait.Until(ctx, ipvsConvergeTimeout, func() (bool, string) {
		snap, err := l.IPVS()
		if readErr = err; err != nil {
			return errors.Is(err, ipvsnl.ErrNoIPVS), err.Error()
		}
		diff := ipvsadm.Diff(want, &snap.Table)
		return len(diff) == 0, "the director's IPVS table differs from what was asked:\n  " + strings.Join(diff, "\n  ")
	})
	if readErr != nil && errors.Is(readErr, ipvsnl.ErrNoIPVS) {
		return readErr
	}
	return err
}

// IPVS reads the director's table back from the kernel, with every connection count and counter.
func (l *Lab) IPVS() (*ipvsadm.Snapshot, error) {
	var snap *ipvsadm.Snapshot
	err := l.withIPVS(func(h *ipvsnl.Handle) (err error) {
		snap, err = h.Snapshot()
		return err
	})
	return snap, err
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
