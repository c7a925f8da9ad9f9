package tutorial

import (
	"slices"
	"strings"

	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// State is what a step is checked against: read from the lab by the caller, plain data (it crosses
// into and out of a microVM as JSON).
type State struct {
	Services  []Service         `json:"services"`
	IPForward string            `json:"ip_forward"` // the director's net.ipv4.ip_forward
	Served    map[string]Served `json:"served"`     // by real server host
	Saved     *Saved            `json:"saved,omitempty"`
}

// Service is a virtual service of the director's table.
type Service struct {
	Key       string `json:"key"` // as ipvsadm -S -n writes it: "-t 192.168.0.75:80"
	Scheduler string `json:"scheduler"`
	Conns     uint64 `json:"conns"` // IPVS's count of connections scheduled
	Dests     []Dest `json:"dests"`
}

// Dest is a real server of a service.
type Dest struct {
	Addr   string `json:"addr"`   // 172.16.0.45:80
	Method string `json:"method"` // Masq, Route, Tunnel, Local
	Weight int    `json:"weight"`
}

// Served is what a real server has answered since its lab came up.
type Served struct {
	Connections uint64 `json:"connections"`
	Requests    uint64 `json:"requests"`
	State       string `json:"state,omitempty"` // its server's: serving, stopped or hung (lvslab fault)
}

// Saved is the rules file the course saves with ipvsadm -S and restores with -R. Writing says it was
// caught in the writing (a process held it open for writing, or it changed while it was read): what was
// read of it then is not the file, and is not judged.
type Saved struct {
	Path     string    `json:"path"`
	Exists   bool      `json:"exists"`
	Services []Service `json:"services,omitempty"` // its rules, without counters
	Err      string    `json:"err,omitempty"`      // why it could not be read as rules
	Writing  bool      `json:"writing,omitempty"`
}

// FromTable turns the director's table (with its counters, when snap has them) into services.
func FromTable(t *ipvsadm.Table, snap *ipvsadm.Snapshot) []Service {
	var out []Service
	for _, s := range t.Services {
		svc := Service{Key: s.Option(), Scheduler: s.Scheduler}
		if snap != nil {
			if st := snap.Stats[s.ServiceKey]; st != nil {
				svc.Conns = st.Conns
			}
		}
		for _, d := range s.Dests {
			svc.Dests = append(svc.Dests, Dest{Addr: d.Addr.String(), Method: d.Method.String(), Weight: d.Weight})
		}
		slices.SortFunc(svc.Dests, func(a, b Dest) int { return strings.Compare(a.Addr, b.Addr) })
		out = append(out, svc)
	}
	slices.SortFunc(out, func(a, b Service) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// ParseSaved reads a rules file's content as ipvsadm -R would.
func ParseSaved(path string, content []byte) *Saved {
	s := &Saved{Path: path, Exists: true}
	cmds, errs := ipvsadm.ParseRules(string(content))
	if len(errs) > 0 {
		s.Err = errs[0].Error()
		return s
	}
	t := &ipvsadm.Table{}
	for _, c := range cmds {
		if err := t.Apply(c); err != nil {
			s.Err = err.Error()
			return s
		}
	}
	s.Services = FromTable(t, nil)
	return s
}

// savedRules is the rules file's services when it is there and reads as rules.
func (st State) savedRules() ([]Service, bool) {
	sv := st.Saved
	if sv == nil || !sv.Exists || sv.Err != "" {
		return nil, false
	}
	return sv.Services, true
}

// savedHolds tells whether the rules file is there and holds want: a service with that key, scheduler
// and exactly those real servers (other services may be there too).
func (st State) savedHolds(want Service) bool {
	rules, ok := st.savedRules()
	return ok && State{Services: rules}.holds(want)
}

// holds tells whether the table has want: a service with that key, scheduler and exactly those real
// servers, methods and weights.
func (st State) holds(want Service) bool {
	s := st.service(want.Key)
	return s != nil && s.Scheduler == want.Scheduler && slices.Equal(s.Dests, want.Dests)
}

// anyDestNot reports whether some real server of some service is forwarded otherwise than by method
// ("Masq", "Route", "Tunnel").
func (st State) anyDestNot(method string) bool {
	for _, s := range st.Services {
		for _, d := range s.Dests {
			if d.Method != method {
				return true
			}
		}
	}
	return false
}

// service is the service with that key ("-t 192.168.0.75:80"), or nil.
func (st State) service(key string) *Service {
	for i := range st.Services {
		if st.Services[i].Key == key {
			return &st.Services[i]
		}
	}
	return nil
}

// dest is a service's real server at addr, or nil.
func (s *Service) dest(addr string) *Dest {
	if s == nil {
		return nil
	}
	for i := range s.Dests {
		if s.Dests[i].Addr == addr {
			return &s.Dests[i]
		}
	}
	return nil
}

// served is what host answered between start and now.
func (c *Context) served(host string) Served {
	a, b := c.Cur.Served[host], c.Start.Served[host]
	return Served{Connections: a.Connections - b.Connections, Requests: a.Requests - b.Requests}
}

// sameRules tells whether two tables hold the same services, schedulers, real servers and weights.
func sameRules(a, b []Service) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Key != y.Key || x.Scheduler != y.Scheduler || !slices.Equal(x.Dests, y.Dests) {
			return false
		}
	}
	return true
}
