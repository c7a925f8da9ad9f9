package model

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"
)

// Flag is a service flag of the scheduler family (ipvsadm -b).
type Flag uint32

// Values of IP_VS_SVC_F_SCHED1..3 (include/uapi/linux/ip_vs.h).
const (
	FlagSched1 Flag = 0x0008
	FlagSched2 Flag = 0x0010
	FlagSched3 Flag = 0x0020

	SHFallback = FlagSched1 // sh-fallback
	SHPort     = FlagSched2 // sh-port
	MHFallback = FlagSched1 // mh-fallback
	MHPort     = FlagSched2 // mh-port
)

// Errors of the destination commands, as the kernel answers them.
var (
	ErrDestExists   = errors.New("destination already exists")                     // EEXIST
	ErrNoSuchDest   = errors.New("no such destination")                            // ENOENT
	ErrWeightRange  = errors.New("server weight less than zero")                   // ERANGE
	ErrThresholdLow = errors.New("lower threshold is higher than upper threshold") // ERANGE
)

// Service is one virtual service: its scheduler, its destinations in the
// kernel's list order and the connections bound to them.
type Service struct {
	schedName string
	sched     scheduler
	flags     Flag
	dests     []*Dest // head first: newest added first
	trash     []*Dest // deleted destinations, kept with their counters
	// unlinkedAt is the list position the destination being deleted had,
	// for del_dest hooks that need its predecessor.
	unlinkedAt int

	now     time.Duration
	entries map[*Entry]struct{}
	seq     uint64

	// Timeouts of new and closed connections (ipvsadm --set).
	Timeouts Timeouts
	// LBLCExpiration and LBLCRExpiration are the sysctls
	// net.ipv4.vs.lblc_expiration and lblcr_expiration (default 24 h).
	LBLCExpiration, LBLCRExpiration time.Duration
	// Random is the kernel's prandom_u32 for twos. The default is a
	// fixed-seed generator, so runs repeat.
	Random func() uint32
}

// New creates a service like ipvsadm -A: the scheduler is bound (its
// init_service runs) while the service has no destination yet.
func New(schedulerName string, flags ...Flag) (*Service, error) {
	sch, err := newScheduler(schedulerName)
	if err != nil {
		return nil, err
	}
	s := &Service{
		schedName:       schedulerName,
		sched:           sch,
		flags:           joinFlags(flags),
		entries:         map[*Entry]struct{}{},
		Timeouts:        DefaultTimeouts,
		LBLCExpiration:  24 * time.Hour,
		LBLCRExpiration: 24 * time.Hour,
		Random:          rand.New(rand.NewPCG(1, 2)).Uint32,
	}
	sch.initService(s)
	return s, nil
}

func joinFlags(flags []Flag) Flag {
	var f Flag
	for _, x := range flags {
		f |= x
	}
	return f
}

func (s *Service) Scheduler() string { return s.schedName }
func (s *Service) Flags() Flag       { return s.flags }

// SetScheduler is ipvsadm -E (ip_vs_edit_service): a different scheduler
// is bound anew and its init_service runs over the current destinations;
// the same name keeps the scheduler's state. Flags are replaced.
func (s *Service) SetScheduler(name string, flags ...Flag) error {
	if name != s.schedName {
		sch, err := newScheduler(name)
		if err != nil {
			return err
		}
		s.schedName, s.sched = name, sch
		sch.initService(s)
	}
	s.flags = joinFlags(flags)
	return nil
}

// Dests returns the destinations in kernel list order (what
// ipvsadm -L --nosort and /proc/net/ip_vs show).
func (s *Service) Dests() []*Dest { return append([]*Dest(nil), s.dests...) }

// Dest returns the linked destination with that address, or nil.
func (s *Service) Dest(addr netip.AddrPort) *Dest {
	for _, d := range s.dests {
		if d.addr == addr {
			return d
		}
	}
	return nil
}

func checkDestConfig(c DestConfig) error {
	if c.Weight < 0 {
		return ErrWeightRange
	}
	if c.LThreshold > c.UThreshold {
		return ErrThresholdLow
	}
	return nil
}

// AddDest is ipvsadm -a (ip_vs_add_dest). The destination goes to the head
// of the list (list_add_rcu in __ip_vs_update_dest). A destination deleted
// earlier comes back from the trash (ip_vs_trash_get_dest) with the
// counters of its remaining connections.
func (s *Service) AddDest(c DestConfig) (*Dest, error) {
	if err := checkDestConfig(c); err != nil {
		return nil, err
	}
	if s.Dest(c.Addr) != nil {
		return nil, fmt.Errorf("%v: %w", c.Addr, ErrDestExists)
	}
	d := s.takeFromTrash(c.Addr)
	if d == nil {
		d = &Dest{addr: c.Addr}
	}
	s.updateDest(d, c, true)
	return d, nil
}

// EditDest is ipvsadm -e (ip_vs_edit_dest): the destination keeps its
// place in the list.
func (s *Service) EditDest(c DestConfig) (*Dest, error) {
	if err := checkDestConfig(c); err != nil {
		return nil, err
	}
	d := s.Dest(c.Addr)
	if d == nil {
		return nil, fmt.Errorf("%v: %w", c.Addr, ErrNoSuchDest)
	}
	s.updateDest(d, c, false)
	return d, nil
}

// updateDest is ip_vs_ctl.c __ip_vs_update_dest.
func (s *Service) updateDest(d *Dest, c DestConfig, add bool) {
	if add || c.Weight != 0 {
		d.lastWeight = c.Weight
	}
	d.weight = c.Weight
	d.available = true
	d.setThresholds(c.UThreshold, c.LThreshold)
	if add {
		s.dests = append([]*Dest{d}, s.dests...)
		s.sched.addDest(s, d)
	} else {
		s.sched.updDest(s, d)
	}
}

// DeleteDest is ipvsadm -d (ip_vs_del_dest → __ip_vs_unlink_dest): the
// destination leaves the list, the scheduler's del_dest hook runs, and the
// destination waits in the trash while connections still use it.
func (s *Service) DeleteDest(addr netip.AddrPort) error {
	for i, d := range s.dests {
		if d.addr != addr {
			continue
		}
		d.available = false
		s.dests = append(s.dests[:i:i], s.dests[i+1:]...)
		s.unlinkedAt = i
		s.sched.delDest(s, d)
		s.trash = append(s.trash, d)
		return nil
	}
	return fmt.Errorf("%v: %w", addr, ErrNoSuchDest)
}

// takeFromTrash returns the deleted destination with that address. The
// kernel frees a trashed destination only when nothing refers to it any
// more; then it has no connections, and reusing it schedules the same as
// a fresh one would, so the model keeps the trash for ever.
func (s *Service) takeFromTrash(addr netip.AddrPort) *Dest {
	for i, d := range s.trash {
		if d.addr == addr {
			s.trash = append(s.trash[:i:i], s.trash[i+1:]...)
			return d
		}
	}
	return nil
}

// index returns the list position of d, or -1 (the list head, or a
// destination no longer linked).
func (s *Service) index(d *Dest) int {
	for i, x := range s.dests {
		if x == d {
			return i
		}
	}
	return -1
}

// Schedule asks the scheduler for the destination of a new connection,
// like ip_vs_schedule does for a non-persistent service. It changes
// scheduler state as the kernel does (rr/wrr cursors, lblc/lblcr caches)
// but no counters: call Open with the result, or use Connect.
func (s *Service) Schedule(c Conn) (*Dest, error) {
	return s.sched.schedule(s, c)
}
