// Package model is a reference model of the Linux kernel's IPVS schedulers.
//
// It mirrors net/netfilter/ipvs/ip_vs_*.c of Debian's linux 6.1.192-2 (the
// kernel lvslab boots in its microVM; the scheduler code is unchanged in
// Debian's 6.12.117): the destination list in kernel order, each scheduler's
// state and update hooks, and the per-destination counters that the
// schedulers read. Given the same configuration steps and the same
// connection events, a Service picks the destination the kernel picks.
//
// Facts that a naive model gets wrong, all from the source:
//   - ip_vs_add_dest → __ip_vs_update_dest adds a destination with
//     list_add_rcu, i.e. at the head: the newest destination is scanned
//     first. Editing keeps the position; a deleted destination re-added
//     from the trash goes to the head again, with its counters.
//   - ip_vs_dest_conn_overhead is (activeconns << 8) + totalconns, and
//     totalconns = active + inactive, so an active connection weighs 257.
//   - The overload flag follows totalconns against u_threshold and
//     l_threshold (or u − u/4): see Dest.
//
// The package is pure: no I/O, no global state; time only moves through
// Service.Advance.
package model
