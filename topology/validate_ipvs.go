package topology

import (
	"strings"

	"github.com/lvslab/lvslab/topology/ipvsadm"
)

func (v *validator) ipvs() {
	x := v.t.IPVS
	if x == nil {
		return
	}
	switch {
	case x.On == "":
		v.add("ipvs.on", "the host that runs IPVS is required%s", listOf("hosts", v.hostNames()))
	case v.t.Host(x.On) == nil:
		v.add("ipvs.on", "%s", unknown("host", x.On, v.hostNames()))
	}
	for i, s := range x.Services {
		field := itemField("ipvs.services", i)
		if !s.IsFWMark() && !s.Addr.IsValid() {
			v.ipvsProblem(originKey{service: s.ServiceKey}, field, "service has neither an address nor an fwmark")
		}
		if !ipvsadm.KnownScheduler(s.Scheduler) {
			v.ipvsProblem(originKey{service: s.ServiceKey}, field+".scheduler", "unknown scheduler %q; allowed: %s", s.Scheduler, strings.Join(ipvsadm.Schedulers, ", "))
		}
		for j, d := range s.Dests {
			key := originKey{s.ServiceKey, d.Addr}
			if !v.ownedByHost(d.Addr.Addr()) {
				v.ipvsProblem(key, itemField(field+".servers", j), "no host has %s; add a host with that address or drop the %s", d.Addr.Addr(), v.noun(key))
			}
		}
	}
}

// ipvsProblem reports a problem where the service or real server was written, or at its model path for a
// topology built in Go.
func (v *validator) ipvsProblem(key originKey, field, format string, args ...any) {
	if o, ok := v.origins[key]; ok {
		v.addAt(o.line, o.col, o.field, format, args...)
		return
	}
	v.add(field, format, args...)
}

func (v *validator) noun(key originKey) string {
	if o, ok := v.origins[key]; ok {
		return o.noun
	}
	return "real server"
}
