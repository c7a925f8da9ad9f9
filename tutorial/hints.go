package tutorial

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// The hints about the cluster service and its real servers, shared by the steps and courses that build
// them. Each names exactly the state it sees, so that two hints never say two things of one mistake.

const udpVIPKey = "-u 192.168.0.75:80"

// wrongServiceHint: a service exists, but not on the VIP's TCP port 80 (a UDP service there has a hint
// of its own).
var wrongServiceHint = &Hint{
	ID: "wrong-vip",
	When: func(c *Context) bool {
		if c.Cur.service(vipKey) != nil {
			return false
		}
		return slices.ContainsFunc(c.Cur.Services, func(s Service) bool { return s.Key != udpVIPKey })
	},
	Text: Text{
		En: "There is a cluster service, but not on the VIP 192.168.0.75, port 80, which the clients use. " +
			"`ipvsadm -L -n` shows what you defined; -D removes it.",
		Zh: "已经有集群服务了,但不是定义在 VIP 192.168.0.75 的 80 端口上,客户端访问的是这个地址。" +
			"用 `ipvsadm -L -n` 看看定义了什么;-D 可以删除它。",
	},
}

// udpServiceHint: the service is on the VIP's port 80, but UDP (-u): the clients' HTTP is TCP.
var udpServiceHint = &Hint{
	ID:   "udp-service",
	When: func(c *Context) bool { return c.Cur.service(vipKey) == nil && c.Cur.service(udpVIPKey) != nil },
	Text: Text{
		En: "The cluster service on 192.168.0.75:80 is UDP (-u): `ipvsadm -L -n` lists it as UDP. " +
			"The clients speak HTTP, which runs over TCP, so the course's service is TCP: -t. -D -u … removes the UDP one.",
		Zh: "192.168.0.75:80 上的集群服务是 UDP 的(-u):`ipvsadm -L -n` 里显示的是 UDP。" +
			"客户端用的是 HTTP,走的是 TCP,所以课程里的集群服务是 TCP 的:-t。-D -u … 可以删除 UDP 的那个。",
	},
}

// schedulerHints: the VIP's service is there at step 1, but not with round robin.
func schedulerHints() []*Hint {
	sched := func(c *Context) string {
		if s := c.Cur.service(vipKey); s != nil {
			return s.Scheduler
		}
		return ""
	}
	return []*Hint{{
		ID:   "default-wlc",
		When: func(c *Context) bool { return sched(c) == "wlc" },
		Text: Text{
			En: "The service is there, but its scheduler is wlc, ipvsadm's default when -s is left out; the course starts with rr. " +
				"`ipvsadm -L -n` shows it; -E edits a service.",
			Zh: "集群服务有了,但调度方法是 wlc:不加 -s 时 ipvsadm 默认用 wlc;课程一开始用的是 rr。" +
				"`ipvsadm -L -n` 可以看到;-E 可以修改集群服务。",
		},
	}, {
		ID:   "wrr-first",
		When: func(c *Context) bool { return sched(c) == "wrr" },
		Text: Text{
			En: "The service's scheduler is wrr, weighted round robin. The course starts with plain round robin (rr), to see it hand connections to each real server in turn, and comes to wrr and weights later. " +
				"`ipvsadm -L -n` shows the scheduler; -E edits a service.",
			Zh: "集群服务的调度方法是 wrr(加权轮询)。课程先用 rr(轮询),看它把连接依次交给每个 real server,后面才讲 wrr 和权重。" +
				"`ipvsadm -L -n` 可以看到调度方法;-E 可以修改集群服务。",
		},
	}, {
		ID: "other-scheduler",
		When: func(c *Context) bool {
			s := sched(c)
			return s != "" && !slices.Contains([]string{"rr", "wrr", "wlc"}, s)
		},
		Text: Text{
			En: "The service's scheduler is not rr: `ipvsadm -L -n` shows which it is. The course starts with round robin (rr); -E edits a service.",
			Zh: "集群服务的调度方法不是 rr:`ipvsadm -L -n` 可以看到是哪个。课程一开始用的是轮询(rr);-E 可以修改集群服务。",
		},
	}}
}

// serviceGone: the VIP's service has left the table (-D, -C) in a step that needs it; fix rebuilds the
// table as the step starts from.
func serviceGone(fix ...Command) *Hint {
	return &Hint{
		ID:   "service-gone",
		When: func(c *Context) bool { return c.Cur.service(vipKey) == nil },
		Text: Text{
			En: "There is no cluster service on 192.168.0.75:80 any more (`ipvsadm -L -n` lists none): it was deleted (-D) or the table cleared (-C). " +
				"Build it again as the earlier steps did; `solve` shows the commands.",
			Zh: "192.168.0.75:80 上已经没有集群服务了(`ipvsadm -L -n` 里没有):被删除了(-D)或者规则被清空了(-C)。" +
				"按前面几步重新建好;输入 `solve` 可以看到命令。",
		},
		Fix: fix,
	}
}

// routeHint: a NAT lab's real server added without -m is Route (DR, ipvsadm's default); with -i, Tunnel.
var routeHint = &Hint{
	ID:   "route-in-nat",
	When: func(c *Context) bool { return c.Cur.anyDestNot("Masq") },
	Text: Text{
		En: "A real server is not forwarded through NAT: the Forward column of `ipvsadm -L -n` shows Route (without -m, ipvsadm adds direct routing, its default) or Tunnel (-i), where this NAT lab needs Masq. " +
			"-e … -m changes it.",
		Zh: "有 real server 不是 NAT 转发的:`ipvsadm -L -n` 的 Forward 那一列是 Route(不加 -m 时 ipvsadm 默认是 DR 模型)或 Tunnel(-i),而这个 NAT 实验环境要的是 Masq。" +
			"可以用 -e … -m 改过来。",
	},
}

// realServers is a course's real servers: their addresses (port 80), how the course writes them, and
// the flag of its forwarding method.
type realServers struct {
	addrs []string // "172.16.0.45:80"
	named Text     // "172.16.0.45, .55 and .65"
	flag  string   // -m, -g, -i
}

// destsOf is the VIP service's real servers.
func destsOf(c *Context) []Dest {
	if s := c.Cur.service(vipKey); s != nil {
		return s.Dests
	}
	return nil
}

// known tells whether d's address is one of the course's real servers, and whether its port is theirs.
func (rs realServers) known(d Dest) (host, port bool) {
	for _, a := range rs.addrs {
		want, err1 := netip.ParseAddrPort(a)
		got, err2 := netip.ParseAddrPort(d.Addr)
		if err1 == nil && err2 == nil && want.Addr() == got.Addr() {
			return true, want.Port() == got.Port()
		}
	}
	return false, false
}

// wrongPortHint: a real server of the lab, on a port its web server does not listen on.
func (rs realServers) wrongPortHint() *Hint {
	return &Hint{
		ID: "rs-wrong-port",
		When: func(c *Context) bool {
			return slices.ContainsFunc(destsOf(c), func(d Dest) bool { host, port := rs.known(d); return host && !port })
		},
		Text: Text{
			En: "A real server is on a port other than 80: `ipvsadm -L -n` shows it, 172.16.0.45:8080 say. The real servers' web servers listen on port 80, and NAT sends each connection to the port -r names. " +
				"-r takes the address alone (the service's port, 80) or ADDRESS:80; -d removes the wrong one.",
			Zh: "有 real server 的端口不是 80:`ipvsadm -L -n` 可以看到,比如 172.16.0.45:8080。real server 上的 web 服务监听的是 80 端口,而 NAT 会把连接转到 -r 指定的端口上。" +
				"-r 只写地址(就是集群服务的端口 80)或者写 地址:80;-d 可以删除写错的那个。",
		},
	}
}

// notInLabHint: a real server whose address is none of the lab's.
func (rs realServers) notInLabHint() *Hint {
	return &Hint{
		ID: "rs-not-in-lab",
		When: func(c *Context) bool {
			return slices.ContainsFunc(destsOf(c), func(d Dest) bool { host, _ := rs.known(d); return !host })
		},
		Text: Text{
			En: fmt.Sprintf("A real server's address is none of the lab's real servers (%s): `ipvsadm -L -n` shows it. Nothing answers there. -d removes it.", rs.named.En),
			Zh: fmt.Sprintf("有 real server 的地址不是实验环境里的 real server(%s):`ipvsadm -L -n` 可以看到。那个地址上没有任何服务。-d 可以删除它。", rs.named.Zh),
		},
	}
}

// weightZeroHint: a real server with weight 0 gets no new connection.
func (rs realServers) weightZeroHint() *Hint {
	return &Hint{
		ID: "weight-zero",
		When: func(c *Context) bool {
			return slices.ContainsFunc(destsOf(c), func(d Dest) bool { return d.Weight == 0 })
		},
		Text: Text{
			En: fmt.Sprintf("A real server has weight 0 (the Weight column of `ipvsadm -L -n`): IPVS sends it no new connection. -e … %s -w sets its weight.", rs.flag),
			Zh: fmt.Sprintf("有 real server 的权重是 0(`ipvsadm -L -n` 的 Weight 那一列):ipvs 不会再给它调度新连接。可以用 -e … %s -w 设置权重。", rs.flag),
		},
	}
}

// missingHint: one of the course's real servers is not in the VIP's service, in a step that sees them all
// answer.
func (rs realServers) missingHint() *Hint {
	return &Hint{
		ID: "rs-missing",
		When: func(c *Context) bool {
			s := c.Cur.service(vipKey)
			return s != nil && slices.ContainsFunc(rs.addrs, func(a string) bool { return s.dest(a) == nil })
		},
		Text: Text{
			En: fmt.Sprintf("Not every real server is in the service (`ipvsadm -L -n`): this step sees each of them answer, %s. -a … %s adds one back.", rs.named.En, rs.flag),
			Zh: fmt.Sprintf("集群服务里的 real server 不全(`ipvsadm -L -n`):这一步要看到每个 real server 都响应:%s。-a … %s 可以把缺的加回来。", rs.named.Zh, rs.flag),
		},
	}
}

// ipvsadm is one ipvsadm command line the learner types.
func ipvsadmLine(args ...string) Command { return Command{Line: "ipvsadm " + strings.Join(args, " ")} }
