package scenarios

import (
	"time"

	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// What a scenario costs under TCG on two cores, measured on the built-in suite: a lab up and down, a
// phase's rules and reads, and a connection (a UDP datagram) through the director.
const (
	costLab        = 500 * time.Millisecond
	costPhase      = 100 * time.Millisecond
	costConnection = 2 * time.Millisecond
	costStep       = 100 * time.Millisecond // a pause in the load, a fault or rules applied
)

// Estimate is how long a scenario should take, from what it does: its labs, phases and connections, and
// its waits for persistence templates and UDP entries to expire (each about its timeout). It orders the
// suite's scenarios longest first, so that running them side by side ends soonest, and balances shards;
// it depends only on the scenario, so every machine splits a suite alike.
func Estimate(sc *Scenario) time.Duration {
	d := costLab
	var expiry uint32 // the longest a template or a UDP entry waits to expire, in seconds
	for _, p := range sc.Phases {
		expiry = max(expiry, uint32(p.Timeouts.UDP))
		for _, c := range p.Rules {
			if (c.Op == ipvsadm.OpAddService || c.Op == ipvsadm.OpEditService) && c.Service.Persistent {
				expiry = max(expiry, c.Service.Timeout)
			}
		}
		units := p.Load.Connections * max(1, p.Load.Datagrams)
		d += costPhase + time.Duration(units)*costConnection + time.Duration(len(p.Steps))*costStep
		if p.AwaitExpiry {
			d += time.Duration(expiry) * time.Second
		}
	}
	return d
}
