//go:build linux

package lab

import (
	"errors"
	"fmt"
	"os"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// quietSwitch has the switch namespace forward frames as a plain switch that keeps hosts' chatter to
// itself, which also keeps a large lab cheap to bring up and to run:
//
//   - No bridge netfilter: where br_netfilter is loaded when the lab comes up, every frame a lab bridge
//     forwards would go through the switch namespace's iptables hooks (empty: they can only cost).
//   - No MLD reports or router solicitations between hosts: each host sends them when an interface comes
//     up, several in its first seconds, and a bridge floods each to every port. n hosts make n²
//     deliveries, three million for a thousand real servers, more work than building the lab. No host of a
//     lab is a multicast router, or a router that waits to be asked before it advertises.
//
// Neighbour discovery and all other multicast pass as before (the bridges do not snoop multicast, so
// that what they never see cannot keep it from anyone). Dropping needs nftables' bridge family: where it
// is missing, the lab still comes up, and note says what it lacks.
func quietSwitch(switchNS string) (note string, err error) {
	for _, family := range []string{"arptables", "iptables", "ip6tables"} {
		key := "net/bridge/bridge-nf-call-" + family
		if _, err := os.Stat("/proc/sys/" + key); errors.Is(err, os.ErrNotExist) {
			continue // no br_netfilter: nothing to turn off
		}
		if err := writeSysctl(key, "0"); err != nil {
			return "", err
		}
	}
	if err := dropHostChatter(switchNS); err != nil {
		return fmt.Sprintf("the lab's switch floods every MLD report and router solicitation to every host, "+
			"which slows labs of hundreds of hosts: dropping them needs nftables' bridge family (modprobe nf_tables): %v", err), nil
	}
	return "", nil
}

// dropHostChatter adds `table bridge lvslab { chain prerouting { icmpv6 type {131-133, 143} counter drop } }`
// to the switch namespace; the counters show what it kept from the hosts.
func dropHostChatter(switchNS string) error {
	if testHookNoBridgeNftables != nil {
		return testHookNoBridgeNftables
	}
	return withNftables(netnsPath(switchNS), func(c *nftables.Conn) error {
		t := c.AddTable(&nftables.Table{Name: switchTable, Family: nftables.TableFamilyBridge})
		ch := c.AddChain(&nftables.Chain{Name: switchChain, Table: t, Type: nftables.ChainTypeFilter,
			Hooknum: nftables.ChainHookPrerouting, Priority: nftables.ChainPriorityFilter})
		for _, types := range [][2]byte{{mldReport, routerSolicitation}, {mld2Report, mld2Report}} {
			c.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: dropICMPv6(types[0], types[1])})
		}
		return c.Flush()
	})
}

// withNftables runs fn with an nftables connection to the network namespace at nsPath, from any thread.
func withNftables(nsPath string, fn func(*nftables.Conn) error) error {
	ns, err := openNamespace(nsPath)
	if err != nil {
		return err
	}
	defer ns.Close()
	c, err := nftables.New(nftables.WithNetNSFd(int(ns.Fd())))
	if err != nil {
		return err
	}
	return fn(c)
}

// testHookNoBridgeNftables, when set, is what nftables answers, as on a kernel without its bridge family.
var testHookNoBridgeNftables error

// The nftables table and chain the lab owns in the switch namespace; they go with the namespace.
const (
	switchTable = "lvslab"
	switchChain = "prerouting"
)

// ICMPv6 types: MLD's listener messages (RFC 2710, RFC 3810) and router solicitations (RFC 4861).
const (
	mldReport          = 131
	mldDone            = 132
	routerSolicitation = 133
	mld2Report         = 143
)

// dropICMPv6 is `meta l4proto ipv6-icmp icmpv6 type FROM-TO counter drop`.
func dropICMPv6(from, to byte) []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{unix.IPPROTO_ICMPV6}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 0, Len: 1},
		&expr.Range{Op: expr.CmpOpEq, Register: 1, FromData: []byte{from}, ToData: []byte{to}},
		&expr.Counter{},
		&expr.Verdict{Kind: expr.VerdictDrop},
	}
}
