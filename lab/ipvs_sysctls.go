package lab

import (
	"errors"
	"io/fs"
)

// SchedulingSysctls are the director's net.ipv4.vs settings that change where or whether IPVS schedules
// a connection: a port reused while its entry lingers (conn_reuse_mode), entries of removed or weight-0
// real servers and their templates (expire_nodest_conn, expire_quiescent_template), connections picked
// up mid-stream (sloppy_tcp, sloppy_sctp), ICMP and tunnelled packets (schedule_icmp, ignore_tunneled),
// and conntrack's view of them (conntrack).
var SchedulingSysctls = []string{"conn_reuse_mode", "expire_nodest_conn", "expire_quiescent_template", "sloppy_tcp",
	"sloppy_sctp", "schedule_icmp", "ignore_tunneled", "conntrack"}

// DirectorSysctls reads the director's SchedulingSysctls, by their names under net.ipv4.vs; one this
// kernel lacks is left out.
func (l *Lab) DirectorSysctls() (map[string]string, error) {
	host, err := l.director()
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, k := range SchedulingSysctls {
		v, err := l.Sysctl(host, "net.ipv4.vs."+k)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}
