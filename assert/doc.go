// Package assert compares what a lab did with what the kernel promises and
// returns verdicts a person can read: every failing check prints expected
// and observed side by side, per server.
//
// The checks: Sequence (exact order, for deterministic schedulers),
// Proportions and ProportionsWithin (connection shares against weights),
// Affinity (a client sticks to one server), Conservation (connections sent
// = seen by the servers = counted by IPVS), Steering (each lc/wlc/sed/nq
// choice was one the scheduler allows) and Predicted (the reference model
// in assert/model, connection by connection).
//
// The package is pure: no I/O, no global state.
package assert
