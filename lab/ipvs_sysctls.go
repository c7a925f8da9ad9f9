package lab

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/lvslab/lvslab/topology"
)

// SchedulingSysctls are the director's net.ipv4.vs settings that change where or whether IPVS schedules
// a connection: a port reused while its entry lingers (conn_reuse_mode), entries of removed or weight-0
// real servers and their templates (expire_nodest_conn, expire_quiescent_template), connections picked
// up mid-stream (sloppy_tcp, sloppy_sctp), ICMP and tunnelled packets (schedule_icmp, ignore_tunneled),
// and conntrack's view of them (conntrack).
var SchedulingSysctls = []string{"conn_reuse_mode", "expire_nodest_conn", "expire_quiescent_template", "sloppy_tcp",
	"sloppy_sctp", "schedule_icmp", "ignore_tunneled", "conntrack"}

// SettableSysctls are the SchedulingSysctls a scenario's step or lvslab fault may change on the director:
// what a real server's removal, drain or return does to the connections it had.
var SettableSysctls = []string{"conn_reuse_mode", "expire_nodest_conn", "expire_quiescent_template", "sloppy_tcp"}

// Sysctl is one of SettableSysctls and its value, as NAME=VALUE.
type Sysctl struct {
	Name  string
	Value int
}

// maxSysctlValue bounds a value: each of SettableSysctls takes 0 or 1, conn_reuse_mode up to 3.
const maxSysctlValue = 3

// ParseSysctl reads "expire_nodest_conn=1" (net.ipv4.vs. before the name may be given).
func ParseSysctl(text string) (Sysctl, error) {
	name, value, ok := strings.Cut(strings.TrimSpace(text), "=")
	name = strings.TrimPrefix(strings.TrimSpace(name), "net.ipv4.vs.")
	if !ok || !slices.Contains(SettableSysctls, name) {
		return Sysctl{}, fmt.Errorf("%q: expected NAME=VALUE, NAME one of %s", topology.Clip(text, 60), strings.Join(SettableSysctls, ", "))
	}
	n, err := strconv.Atoi(strings.TrimSpace(value))
	if err != nil || n < 0 || n > maxSysctlValue {
		return Sysctl{}, fmt.Errorf("%s=%s: expected a value from 0 to %d", name, topology.Clip(value, 20), maxSysctlValue)
	}
	return Sysctl{Name: name, Value: n}, nil
}

func (s Sysctl) String() string { return fmt.Sprintf("%s=%d", s.Name, s.Value) }
