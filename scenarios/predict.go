package scenarios

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/lvslab/lvslab/assert/model"
	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/realserver"
	"github.com/lvslab/lvslab/topology"
	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// predictor follows the scenario's one virtual service in the reference model, so that every connection
// can be predicted before the kernel's choice is looked at.
type predictor struct {
	svc   *model.Service
	key   ipvsadm.ServiceKey
	topo  *topology.Topology
	unfit error // why the model cannot predict this scenario, if it cannot
	// failing is how a new connection to a server fails, by the server's name, while a step's fault
	// holds: refused once its server stopped, a timeout once it hung.
	failing map[string]string
}

// apply mirrors one ipvsadm command in the model.
func (p *predictor) apply(c ipvsadm.Command) {
	if p.unfit != nil {
		return
	}
	if c.Op != ipvsadm.OpClear && p.svc != nil && c.Service.ServiceKey != p.key {
		p.unfit = fmt.Errorf("the model follows one virtual service, and the rules name %s besides %s", c.Service.ServiceKey, p.key)
		return
	}
	var err error
	switch c.Op {
	case ipvsadm.OpAddService:
		if c.Service.Persistent {
			p.unfit = errors.New("the model does not cover persistence (-p)")
			return
		}
		p.key = c.Service.ServiceKey
		p.svc, err = model.New(c.Service.Scheduler, modelFlags(&c.Service))
	case ipvsadm.OpEditService:
		err = p.svc.SetScheduler(c.Service.Scheduler, modelFlags(&c.Service))
	case ipvsadm.OpAddDest:
		_, err = p.svc.AddDest(destConfig(c.Dest))
	case ipvsadm.OpEditDest:
		_, err = p.svc.EditDest(destConfig(c.Dest))
	case ipvsadm.OpDeleteDest:
		err = p.svc.DeleteDest(c.Dest.Addr)
	default:
		p.unfit = fmt.Errorf("the model does not follow %s", c.Op)
	}
	if err != nil {
		p.unfit = fmt.Errorf("the model refused %s: %w", c, err)
	}
}

// fault mirrors a step's fault in the model: how connections to the server fail from now on.
func (p *predictor) fault(f lab.Fault) {
	if p.failing == nil {
		p.failing = map[string]string{}
	}
	switch f.Action {
	case realserver.Stop:
		p.failing[f.Host] = "refused"
	case realserver.Hang:
		p.failing[f.Host] = "timeout"
	case lab.LinkDown:
		// Its SYN goes nowhere, and the kernel sends it again only after 1 s, 3 s, …: the client gives
		// up first, or the connection waits out the outage (a step ends it only between connections).
		p.failing[f.Host] = "timeout"
	case realserver.Start, realserver.Resume, lab.LinkUp:
		delete(p.failing, f.Host)
	default:
		p.unfit = fmt.Errorf("the model does not say where in a flap (%q) each connection falls; give the link's steps as link-down and link-up after a count of connections", f)
	}
}

// predict gives the server the model picks for each connection, in order: the kernel's view of each
// connection is its client address (ports are the kernel's own choice, and only sh-port/mh-port read
// them). Connections not held are closed after their response, as the load generator does.
//
// at, when set, runs before each connection with its index: a phase's steps change the model there.
func (p *predictor) predict(clients []netip.Addr, hold bool, at func(i int)) ([]string, error) {
	if p.svc == nil && p.unfit == nil {
		return nil, errors.New("no virtual service to predict")
	}
	var out []string
	var held []*model.Entry
	for i, client := range clients {
		if at != nil {
			at(i)
		}
		if p.unfit != nil {
			return nil, p.unfit
		}
		conn := model.Conn{Proto: model.Protocol(p.key.Protocol), Client: netip.AddrPortFrom(client, 0), Virtual: p.key.Addr}
		e, err := p.svc.Connect(conn)
		if err != nil {
			out = append(out, "(none)")
			continue
		}
		server := p.serverName(e.Dest.Addr())
		if cause, ok := p.failing[server]; ok {
			// The director scheduled it, and the server's kernel refused it or it waits unanswered: an
			// entry all the same, which a reset closes as a refused one, and a timeout as the client leaves.
			out = append(out, failedMark(server, cause))
			p.svc.Close(e)
			continue
		}
		out = append(out, server)
		if hold {
			held = append(held, e)
		} else {
			p.svc.Close(e)
		}
	}
	for _, e := range held {
		p.svc.Close(e)
	}
	return out, nil
}

func (p *predictor) serverName(a netip.AddrPort) string {
	if h, _ := p.topo.HostByAddr(a.Addr()); h != nil {
		return h.Name
	}
	return a.String()
}

// modelFlags is the service's -b flags as the model's: the kernel's IP_VS_SVC_F_SCHED bits.
func modelFlags(s *ipvsadm.Service) model.Flag {
	return model.Flag(s.SchedFlagMask()) * model.FlagSched1
}

func destConfig(d ipvsadm.Dest) model.DestConfig {
	return model.DestConfig{Addr: d.Addr, Weight: d.Weight, UThreshold: int(d.UThreshold), LThreshold: int(d.LThreshold)}
}

// simulatedShares is the share of connections each server takes on average when the model runs the
// phase's connections runs times over, each run from the rules with its own random numbers: the
// expectation for a scheduler that draws random numbers (twos). rules are every command so far.
func simulatedShares(topo *topology.Topology, rules []ipvsadm.Command, clients []netip.Addr, hold bool, runs int) (map[string]float64, error) {
	shares := map[string]float64{}
	for run := 0; run < runs; run++ {
		p, err := replayed(topo, rules)
		if err != nil {
			return nil, err
		}
		p.svc.Random = xorshift(uint32(2*run + 1))
		got, err := p.predict(clients, hold, nil)
		if err != nil {
			return nil, err
		}
		for _, s := range got {
			shares[s] += 1 / float64(len(got)*runs)
		}
	}
	return shares, nil
}

// replayed is a model of the service that rules, every command so far, build from an empty table.
func replayed(topo *topology.Topology, rules []ipvsadm.Command) (*predictor, error) {
	p := &predictor{topo: topo}
	for _, c := range rules {
		p.apply(c)
	}
	switch {
	case p.unfit != nil:
		return nil, p.unfit
	case p.svc == nil:
		return nil, errors.New("no virtual service to predict")
	}
	return p, nil
}

// xorshift is a small seeded generator standing in for the kernel's prandom_u32.
func xorshift(seed uint32) func() uint32 {
	x := seed
	return func() uint32 {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		return x
	}
}
