package model

import "net/netip"

// DestConfig is what ipvsadm -a / -e send for a real server. The kernel
// takes every field on each edit (ipvsadm -e re-sends all of them).
type DestConfig struct {
	Addr       netip.AddrPort
	Weight     int // 0 quiesces the server; the kernel refuses < 0
	UThreshold int // -x, 0 = none
	LThreshold int // -y, 0 = 75% of UThreshold
}

// Dest is a real server as the kernel keeps it (struct ip_vs_dest): its
// configuration, its connection counters and its status flags. Read it;
// change it only through Service methods.
type Dest struct {
	addr       netip.AddrPort
	weight     int
	lastWeight int // last non-zero weight; only mh reads it

	active int // activeconns
	total  int // totalconns = active + inactive

	uThreshold, lThreshold, lThresholdVal int
	overload                              bool // IP_VS_DEST_F_OVERLOAD
	available                             bool // IP_VS_DEST_CF_AVAILABLE: linked in the service
}

func (d *Dest) Addr() netip.AddrPort { return d.addr }
func (d *Dest) Weight() int          { return d.weight }

// Active is ActiveConn of ipvsadm -L.
func (d *Dest) Active() int { return d.active }

// Inactive is InActConn of ipvsadm -L (ip_vs_dest_inactconns).
func (d *Dest) Inactive() int { return max(d.total-d.active, 0) }

// Overloaded reports IP_VS_DEST_F_OVERLOAD, set by the thresholds.
func (d *Dest) Overloaded() bool { return d.overload }

// Available is false once the destination was deleted from its service
// (it then sits in the kernel's trash until its connections are gone).
func (d *Dest) Available() bool { return d.available }

func (d *Dest) String() string { return d.addr.String() }

// overhead is include/net/ip_vs.h ip_vs_dest_conn_overhead:
// (activeconns << 8) + totalconns.
func (d *Dest) overhead() int { return d.active<<8 + d.total }

// setThresholds is the threshold part of ip_vs_ctl.c __ip_vs_update_dest.
func (d *Dest) setThresholds(u, l int) {
	if d.uThreshold == u && d.lThreshold == l {
		return
	}
	d.uThreshold, d.lThreshold = u, l
	d.lThresholdVal = l
	if l == 0 {
		d.lThresholdVal = u - u>>2
	}
	d.updateOverload(0)
}

// updateOverload is ip_vs_ctl.c __ip_vs_dest_update_overload: mode > 0
// when totalconns just reached u_threshold, < 0 when it just dropped below
// l_threshold_val, 0 after a threshold edit.
func (d *Dest) updateOverload(mode int) {
	if d.uThreshold == 0 {
		d.overload = false
		return
	}
	set, keep := d.uThreshold, d.lThresholdVal
	if mode > 0 {
		set = d.lThresholdVal
	}
	if mode < 0 {
		keep = d.uThreshold
	}
	switch {
	case d.total >= set:
		d.overload = true
	case d.total >= keep:
	default:
		d.overload = false
	}
}

// bind is the counter part of ip_vs_conn.c ip_vs_bind_dest for a normal
// (non-template) connection; new connections always start inactive.
func (d *Dest) bind() {
	d.total++
	if d.total == d.uThreshold {
		d.updateOverload(1)
	}
}

// unbind is the counter part of ip_vs_conn.c ip_vs_unbind_dest.
func (d *Dest) unbind(active bool) {
	if active {
		d.active--
	}
	old := d.total
	d.total--
	if old == d.lThresholdVal {
		d.updateOverload(-1)
	}
}
