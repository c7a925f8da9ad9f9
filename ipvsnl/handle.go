//go:build linux

package ipvsnl

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/moby/ipvs"

	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// Handle is an open IPVS netlink handle on one network namespace. Close it: an open handle keeps a
// deleted namespace, and its table, alive.
type Handle struct {
	moby *ipvs.Handle
	path string // the namespace, for lvslab's own tunnel messages
}

// Open opens IPVS on the network namespace bound at path (such as /run/netns/lab-director).
func Open(path string) (*Handle, error) {
	if err := Check(); err != nil {
		return nil, err
	}
	h, err := ipvs.New(path)
	if err != nil {
		return nil, fmt.Errorf("opening IPVS in %s: %w", path, err)
	}
	return &Handle{moby: h, path: path}, nil
}

// Close releases the handle.
func (h *Handle) Close() { h.moby.Close() }

// Apply sends one ipvsadm command to the kernel through moby/ipvs, or, for a real server with GUE or GRE
// tunnelling, which moby/ipvs cannot express, through lvslab's own message.
func (h *Handle) Apply(c ipvsadm.Command) error {
	var err error
	switch {
	case (c.Op == ipvsadm.OpAddDest || c.Op == ipvsadm.OpEditDest) && needsOwnTunnelMessage(c.Dest):
		err = putTunnelDest(h.path, &c.Service, c.Dest, c.Op == ipvsadm.OpEditDest)
	default:
		err = h.applyMoby(mobyService(&c.Service), c)
	}
	if err != nil {
		return fmt.Errorf("the kernel refused ipvsadm %s: %w%s", c, err, schedulerHint(c, err))
	}
	return nil
}

func (h *Handle) applyMoby(svc *ipvs.Service, c ipvsadm.Command) error {
	m := h.moby
	switch c.Op {
	case ipvsadm.OpAddService:
		return m.NewService(svc)
	case ipvsadm.OpEditService:
		return m.UpdateService(svc)
	case ipvsadm.OpDeleteService:
		return m.DelService(svc)
	case ipvsadm.OpClear:
		return m.Flush()
	case ipvsadm.OpAddDest:
		return m.NewDestination(svc, mobyDest(&c.Dest))
	case ipvsadm.OpEditDest:
		return m.UpdateDestination(svc, mobyDest(&c.Dest))
	case ipvsadm.OpDeleteDest:
		return m.DelDestination(svc, mobyDest(&c.Dest))
	}
	return errors.New("unknown operation")
}

// schedulerHint explains the kernel's ENOENT for a scheduler whose module is not loaded.
func schedulerHint(c ipvsadm.Command, err error) string {
	if (c.Op == ipvsadm.OpAddService || c.Op == ipvsadm.OpEditService) && strings.Contains(err.Error(), "no such file") {
		return fmt.Sprintf(" (is the scheduler module ip_vs_%s available? try modprobe ip_vs_%s)", c.Service.Scheduler, c.Service.Scheduler)
	}
	return ""
}

// Snapshot reads the table back from the kernel, with every connection count and counter, and the
// tunnel options moby/ipvs does not read.
func (h *Handle) Snapshot() (*ipvsadm.Snapshot, error) {
	snap := &ipvsadm.Snapshot{Stats: map[ipvsadm.ServiceKey]*ipvsadm.ServiceStats{}}
	services, err := h.moby.GetServices()
	if err != nil {
		return nil, fmt.Errorf("listing IPVS services: %w", err)
	}
	for _, ms := range services {
		s := fromMobyService(ms)
		st := &ipvsadm.ServiceStats{Counters: countersOf(ms.Stats), Dests: map[netip.AddrPort]*ipvsadm.DestStats{}}
		dests, err := h.moby.GetDestinations(ms)
		if err != nil {
			return nil, fmt.Errorf("listing the real servers of %s: %w", s.ServiceKey, err)
		}
		for _, md := range dests {
			d := fromMobyDest(md)
			s.Dests = append(s.Dests, d)
			st.Dests[d.Addr] = &ipvsadm.DestStats{ActiveConns: uint32(md.ActiveConnections),
				InactConns: uint32(md.InactiveConnections), Counters: countersOf(ipvs.SvcStats(md.Stats))}
		}
		if err := h.readTunnels(s); err != nil {
			return nil, err
		}
		snap.Services = append(snap.Services, s)
		snap.Stats[s.ServiceKey] = st
	}
	return snap, nil
}

// readTunnels fills in the tunnel options of a service's tunnelling real servers.
func (h *Handle) readTunnels(s *ipvsadm.Service) error {
	tunnelled := false
	for _, d := range s.Dests {
		tunnelled = tunnelled || d.Method == ipvsadm.Tunnel
	}
	if !tunnelled {
		return nil
	}
	opts, err := tunnelOptions(h.path, s)
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

// SetTimeouts is ipvsadm --set TCP TCPFIN UDP: how long IPVS keeps an established TCP connection, one
// closing (FIN_WAIT) and a UDP one without traffic. Zero keeps a timeout as it is.
func (h *Handle) SetTimeouts(tcp, tcpFin, udp time.Duration) error {
	err := h.moby.SetConfig(&ipvs.Config{TimeoutTCP: tcp, TimeoutTCPFin: tcpFin, TimeoutUDP: udp})
	if err != nil {
		return fmt.Errorf("ipvsadm --set %d %d %d: %w", int(tcp.Seconds()), int(tcpFin.Seconds()), int(udp.Seconds()), err)
	}
	return nil
}
