package lab

import (
	"errors"
	"fmt"
	"os"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// quietSwitch makes the switch namespace forward frames as a plain switch that snoops MLD would, which
// also keeps a large lab cheap to bring up and to run:
//
//   - No bridge netfilter: where the machine has br_netfilter loaded, every frame a lab bridge forwards
//     would go through the switch namespace's iptables hooks (empty: they can only cost).
//   - No MLD reports between hosts: each host reports its IPv6 multicast groups when an interface comes up,
//     three times in its first seconds, and a Linux bridge with no multicast querier floods every report to
//     every port. n hosts make n² deliveries, three million for a thousand real servers, more work than
//     building the lab. A switch that snoops MLD sends reports only to multicast routers; a lab has none.
//
// Queries, neighbour discovery and all other multicast pass as before.
func quietSwitch(switchNS string) error {
	for _, family := range []string{"arptables", "iptables", "ip6tables"} {
		key := "net/bridge/bridge-nf-call-" + family
		if _, err := os.Stat("/proc/sys/" + key); errors.Is(err, os.ErrNotExist) {
			continue // no br_netfilter: nothing to turn off
		}
		if err := writeSysctl(key, "0"); err != nil {
			return err
		}
	}
	ns, err := openNamespace(netnsPath(switchNS))
	if err != nil {
		return err
	}
	defer ns.Close()
	c, err := nftables.New(nftables.WithNetNSFd(int(ns.Fd())))
	if err != nil {
		return fmt.Errorf("nftables in the switch namespace: %w", err)
	}
	t := c.AddTable(&nftables.Table{Name: switchTable, Family: nftables.TableFamilyBridge})
	ch := c.AddChain(&nftables.Chain{Name: "prerouting", Table: t, Type: nftables.ChainTypeFilter,
		Hooknum: nftables.ChainHookPrerouting, Priority: nftables.ChainPriorityFilter})
	for _, types := range [][2]byte{{mldReport, routerSolicitation}, {mld2Report, mld2Report}} {
		c.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: dropICMPv6(types[0], types[1])})
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("keeping MLD reports from flooding the lab's switch (is nf_tables available? modprobe nf_tables): %w", err)
	}
	return nil
}

// switchTable is the nftables table the lab owns in the switch namespace; it goes with the namespace.
const switchTable = "lvslab"

// ICMPv6 types: MLD's listener messages (RFC 2710, RFC 3810) and router solicitations (RFC 4861).
const (
	mldReport          = 131
	mldDone            = 132
	routerSolicitation = 133
	mld2Report         = 143
)

// dropICMPv6 is `meta l4proto ipv6-icmp icmpv6 type FROM-TO drop`.
func dropICMPv6(from, to byte) []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{unix.IPPROTO_ICMPV6}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 0, Len: 1},
		&expr.Range{Op: expr.CmpOpEq, Register: 1, FromData: []byte{from}, ToData: []byte{to}},
		&expr.Verdict{Kind: expr.VerdictDrop},
	}
}
