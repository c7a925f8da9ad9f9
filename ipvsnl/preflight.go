// Package ipvsnl programs and reads the kernel's IPVS over generic netlink, on a network namespace
// given by its path: moby/ipvs underneath, plus the messages moby/ipvs lacks (a real server's tunnel
// type: GUE and GRE, with their ports and checksum flags). It speaks ipvsadm's model
// (topology/ipvsadm): commands in, tables and counters out.
package ipvsnl

import "errors"

// ErrNoIPVS says the running kernel cannot program IPVS. Callers may run the lab in the microVM instead.
var ErrNoIPVS = errors.New("this kernel has no IPVS")

// ErrNoScheduler says the kernel has IPVS but not the scheduler asked for (twos, say, before Linux 6.7).
var ErrNoScheduler = errors.New("this kernel lacks the scheduler")
