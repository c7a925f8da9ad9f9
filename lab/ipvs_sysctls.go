package lab

// SchedulingSysctls are the director's net.ipv4.vs settings that change where or whether IPVS schedules
// a connection: a port reused while its entry lingers (conn_reuse_mode), entries of removed or weight-0
// real servers and their templates (expire_nodest_conn, expire_quiescent_template), connections picked
// up mid-stream (sloppy_tcp, sloppy_sctp), ICMP and tunnelled packets (schedule_icmp, ignore_tunneled),
// and conntrack's view of them (conntrack).
var SchedulingSysctls = []string{"conn_reuse_mode", "expire_nodest_conn", "expire_quiescent_template", "sloppy_tcp",
	"sloppy_sctp", "schedule_icmp", "ignore_tunneled", "conntrack"}
