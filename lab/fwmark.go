//go:build linux

package lab

import (
	"encoding/binary"
	"fmt"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"

	"github.com/lvslab/lvslab/topology"
)

// markTable is the nftables table the lab owns in the director's namespace; it goes with the namespace.
const markTable = "lvslab"

// installMarks has the director mark the packets of each ipvs.marks entry, for firewall-mark services:
// `nft add rule ip lvslab prerouting ip daddr VIP tcp dport PORT meta mark set MARK`, through netlink.
func (l *Lab) installMarks() error {
	if l.Topology.IPVS == nil || len(l.Topology.IPVS.Marks) == 0 {
		return nil
	}
	path, err := l.Namespace(l.Topology.IPVS.On)
	if err != nil {
		return err
	}
	err = withNftables(path, func(c *nftables.Conn) error {
		t := c.AddTable(&nftables.Table{Name: markTable, Family: nftables.TableFamilyIPv4})
		ch := c.AddChain(&nftables.Chain{Name: "prerouting", Table: t, Type: nftables.ChainTypeFilter,
			Hooknum: nftables.ChainHookPrerouting, Priority: nftables.ChainPriorityMangle})
		for _, m := range l.Topology.IPVS.Marks {
			for _, port := range m.Ports {
				c.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: markExprs(m, port)})
			}
		}
		return c.Flush()
	})
	if err != nil {
		return fmt.Errorf("installing the firewall marks in the director (is nf_tables available? modprobe nf_tables): %w", err)
	}
	return nil
}

// markExprs is `ip daddr ADDR meta l4proto PROTO th dport PORT meta mark set MARK`.
func markExprs(m topology.FWMark, port uint16) []expr.Any {
	addr := m.Addr.As4()
	mark := make([]byte, 4)
	binary.NativeEndian.PutUint32(mark, m.Mark)
	return []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 16, Len: 4},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: addr[:]},
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{byte(m.Protocol)}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.BigEndian.PutUint16(port)},
		&expr.Immediate{Register: 1, Data: mark},
		&expr.Meta{Key: expr.MetaKeyMARK, SourceRegister: true, Register: 1},
	}
}
