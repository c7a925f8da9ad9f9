package ipvsadm

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Table is an IPVS table as the kernel keeps it: services in the order they were added, each with its real
// servers in the kernel's list order (the most recently added first).
type Table struct {
	Services []*Service
}

// Service returns the service with the given key, or nil.
func (t *Table) Service(key ServiceKey) *Service {
	for _, s := range t.Services {
		if s.ServiceKey == key {
			return s
		}
	}
	return nil
}

// Apply performs a command as ipvsadm and the kernel do, or leaves the table as it was and returns the
// error the kernel would give.
func (t *Table) Apply(c Command) error {
	if _, ok := opFlags[c.Op]; !ok {
		return fmt.Errorf("unknown command %v", c.Op)
	}
	if c.Op == OpClear {
		t.Services = nil
		return nil
	}
	key := c.Service.ServiceKey
	s := t.Service(key)
	if c.Op == OpAddService {
		if s != nil {
			return fmt.Errorf("service %s already exists", key)
		}
		n, err := newSettings(&c.Service)
		if err != nil {
			return err
		}
		t.Services = append(t.Services, n)
		return nil
	}
	if s == nil {
		return fmt.Errorf("no such service %s; add it first with -A", key)
	}
	switch c.Op {
	case OpEditService:
		// The kernel replaces every setting with what ipvsadm sent, defaults included; the real servers stay.
		n, err := newSettings(&c.Service)
		if err != nil {
			return err
		}
		n.Dests = s.Dests
		*s = *n
	case OpDeleteService:
		t.Services = slices.DeleteFunc(t.Services, func(x *Service) bool { return x == s })
	case OpDeleteDest:
		i := slices.IndexFunc(s.Dests, func(d Dest) bool { return d.Addr == c.Dest.Addr })
		if i < 0 {
			return noDest(s, c.Dest.Addr)
		}
		s.Dests = slices.Delete(s.Dests, i, i+1)
	default:
		return s.putDest(c.Op, c.Dest)
	}
	return nil
}

// newSettings returns a service with the settings of s and no real servers.
func newSettings(s *Service) (*Service, error) {
	for _, msg := range []string{schedulerProblem(s.Scheduler), peProblem(s.PE)} {
		if msg != "" {
			return nil, errors.New(msg)
		}
	}
	n := *s
	n.SchedFlags = slices.Clone(s.SchedFlags)
	n.Dests = nil
	return &n, nil
}

// putDest adds (-a) or edits (-e) a real server with the kernel's checks.
func (s *Service) putDest(op Op, d Dest) error {
	if msg := familyProblem(s.ServiceKey, &d); msg != "" {
		return errors.New(msg)
	}
	switch {
	case d.Weight < 0:
		return fmt.Errorf("weight %d is below zero", d.Weight)
	case d.LThreshold > d.UThreshold:
		return fmt.Errorf("lower threshold -y %d is above upper threshold -x %d: the kernel refuses it; give -x %d or more",
			d.LThreshold, d.UThreshold, d.LThreshold)
	case d.Method == Tunnel && d.Tunnel.Type == "gue" && d.Tunnel.Port == 0:
		return errors.New("a GUE tunnel needs a port: give --tun-port")
	}
	old := s.Dest(d.Addr)
	if op == OpEditDest {
		if old == nil {
			return noDest(s, d.Addr)
		}
		*old = d // in place: -e does not move a server in the list
		return nil
	}
	if old != nil {
		return fmt.Errorf("real server %s already exists in service %s; change it with -e", d.Addr, s.ServiceKey)
	}
	s.Dests = slices.Insert(s.Dests, 0, d) // the kernel adds at the head of the list
	return nil
}

func noDest(s *Service, addr netip.AddrPort) error {
	have := "none"
	if len(s.Dests) > 0 {
		names := make([]string, len(s.Dests))
		for i, d := range s.Dests {
			names[i] = d.Addr.String()
		}
		have = strings.Join(names, " ")
	}
	return fmt.Errorf("no such real server %s in service %s (it has %s)", addr, s.ServiceKey, have)
}
