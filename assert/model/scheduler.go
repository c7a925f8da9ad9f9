package model

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// ErrNoDestination is what the kernel logs ("no destination available")
// when a scheduler returns no destination: the packet is answered with
// ICMP unreachable (or dropped) and no connection is created.
var ErrNoDestination = errors.New("no destination available")

// scheduler mirrors struct ip_vs_scheduler: the hooks the control path
// calls and the schedule function the packet path calls. A nil hook in the
// kernel is an empty method here.
type scheduler interface {
	initService(s *Service)
	addDest(s *Service, d *Dest)
	delDest(s *Service, d *Dest)
	updDest(s *Service, d *Dest)
	schedule(s *Service, c Conn) (*Dest, error)
}

// stateless is embedded by schedulers without init/update hooks.
type stateless struct{}

func (stateless) initService(*Service)    {}
func (stateless) addDest(*Service, *Dest) {}
func (stateless) delDest(*Service, *Dest) {}
func (stateless) updDest(*Service, *Dest) {}

var schedulers = map[string]func() scheduler{
	"none":  func() scheduler { return noneScheduler{} },
	"rr":    func() scheduler { return &rr{} },
	"wrr":   func() scheduler { return &wrr{} },
	"lc":    func() scheduler { return lc{} },
	"wlc":   func() scheduler { return wlc{} },
	"sed":   func() scheduler { return sed{} },
	"nq":    func() scheduler { return nq{} },
	"fo":    func() scheduler { return fo{} },
	"ovf":   func() scheduler { return ovf{} },
	"dh":    func() scheduler { return &dh{} },
	"sh":    func() scheduler { return &sh{} },
	"mh":    func() scheduler { return &mh{} },
	"lblc":  func() scheduler { return &lblc{} },
	"lblcr": func() scheduler { return &lblcr{} },
	"twos":  func() scheduler { return twos{} },
}

// Schedulers lists the scheduler names the model knows: the kernel's, as the registry
// (ipvsadm.SchedulerRegistry) lists them, and "none".
func Schedulers() []string {
	return append(slices.Clone(ipvsadm.Schedulers), "none")
}

func newScheduler(name string) (scheduler, error) {
	mk, ok := schedulers[name]
	if !ok {
		return nil, fmt.Errorf("unknown scheduler %q (known: %s)", name, strings.Join(Schedulers(), " "))
	}
	return mk(), nil
}

// noneScheduler is the service without a scheduler (-s none): the kernel's
// ip_vs_schedule finds no scheduler and creates no connection.
type noneScheduler struct{ stateless }

func (noneScheduler) schedule(*Service, Conn) (*Dest, error) { return nil, ErrNoDestination }

// wrapNoDest adds the kernel's detail to ErrNoDestination.
func wrapNoDest(detail string) error { return fmt.Errorf("%w: %s", ErrNoDestination, detail) }
