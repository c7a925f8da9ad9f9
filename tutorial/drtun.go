package tutorial

import (
	"fmt"
	"slices"
)

// The follow-ups: direct routing and tunnelling, shorter. Their labs come up with the director's rules
// and each real server already set for its method (the VIP on lo or tunl0, ARP and reverse-path
// settings); the learner clears the table and builds it again with the method's own flag.

func drCourse() *Course {
	return forwardingCourse(forwarding{
		name: "dr", topology: "dr", flag: "-g", method: "Route",
		rs1: "192.168.0.45", rs2: "192.168.0.55", named: Text{En: "192.168.0.45 and .55", Zh: "192.168.0.45 和 .55"},
		title: Text{En: "LVS direct routing (DR), in short", Zh: "LVS 的 DR 模型(直接路由)"},
		why: Text{
			En: "Under direct routing the director rewrites only each packet's destination MAC address; the real server holds the VIP on lo and answers the client itself. -g (gateway) is DR, ipvsadm's default.",
			Zh: "DR 模型中,director 只改写报文的目标 MAC 地址;real server 的 lo 上配有 VIP,直接响应客户端。-g(gateway)就是 DR,也是 ipvsadm 默认的类型。",
		},
		wrongHint: Text{
			En: "A real server is not Route: a DR lab's real servers answer the client directly, so the director never sees the replies it would have to rewrite under NAT (-m) or unwrap under TUN (-i). See the Forward column of `ipvsadm -L -n`.",
			Zh: "有 real server 的类型不是 Route:DR 模型中 real server 直接响应客户端,director 看不到响应报文,NAT(-m)和 TUN(-i)在这里都不对。看 `ipvsadm -L -n` 的 Forward 那一列。",
		},
	})
}

func tunCourse() *Course {
	return forwardingCourse(forwarding{
		name: "tun", topology: "tun", flag: "-i", method: "Tunnel",
		rs1: "10.0.0.45", rs2: "10.0.0.55", named: Text{En: "10.0.0.45 and .55", Zh: "10.0.0.45 和 .55"},
		title: Text{En: "LVS IP tunnelling (TUN), in short", Zh: "LVS 的 TUN 模型(IP 隧道)"},
		why: Text{
			En: "Under tunnelling the director wraps each packet for the VIP in an IP-in-IP packet to the real server, which may sit on another network; the real server unwraps it on tunl0, where the VIP is, and answers the client directly. -i is TUN.",
			Zh: "TUN 模型中,director 把发给 VIP 的报文再封装一层 IP 首部发给 real server(可以跨越互联网,在别的网络里);real server 在 tunl0 上解封装(tunl0 上配有 VIP),直接响应客户端。-i 就是 TUN。",
		},
		wrongHint: Text{
			En: "A real server is not Tunnel: this lab's real servers sit on another network, behind a router, so only a tunnelled packet (-i) reaches them with the VIP still in it. See the Forward column of `ipvsadm -L -n`.",
			Zh: "有 real server 的类型不是 Tunnel:这里的 real server 在路由器后面的另一个网络里,只有隧道(-i)封装的报文才能带着 VIP 到达它们。看 `ipvsadm -L -n` 的 Forward 那一列。",
		},
	})
}

type forwarding struct {
	name, topology, flag, method string
	rs1, rs2                     string
	named, title, why, wrongHint Text
}

func forwardingCourse(f forwarding) *Course {
	addr1, addr2 := f.rs1+":80", f.rs2+":80"
	wrongMethod := &Hint{
		ID:   "wrong-method",
		When: func(c *Context) bool { return c.Cur.anyDestNot(f.method) },
		Text: f.wrongHint,
	}
	add := func(rs, flag string) Action {
		return ipvsadmCmd("-a", "-t", "192.168.0.75:80", "-r", rs, flag)
	}
	servers := realServers{addrs: []string{addr1, addr2}, named: f.named, flag: f.flag}
	rrService := []Command{ipvsadmLine("-A", "-t", "192.168.0.75:80", "-s", "rr")}
	addBoth := []Command{
		ipvsadmLine("-a", "-t", "192.168.0.75:80", "-r", f.rs1, f.flag),
		ipvsadmLine("-a", "-t", "192.168.0.75:80", "-r", f.rs2, f.flag),
	}
	return &Course{
		Name: f.name, Title: f.title, Topology: f.topology, Lab: f.name + "-tutorial",
		Steps: []*Step{
			{
				ID:       "clear",
				Title:    Text{En: "Clear the table the lab came up with", Zh: "清空实验环境自带的规则"},
				Why:      f.why,
				Host:     "director",
				Type:     []Command{ipvsadmLine("-L", "-n"), ipvsadmLine("-C")},
				Seen:     Text{En: "ipvsadm -L -n lists no service.", Zh: "ipvsadm -L -n 里什么都没有了。"},
				Done:     func(c *Context) bool { return len(c.Cur.Services) == 0 },
				Solution: []Action{ipvsadmCmd("-C")},
			},
			{
				ID:    "service",
				Title: Text{En: "Define the cluster service", Zh: "增加集群服务"},
				Why:   Text{En: "The same as under NAT: the VIP, 192.168.0.75:80, with round robin.", Zh: "和 NAT 模型一样:VIP 192.168.0.75:80,调度方法 rr。"},
				Host:  "director",
				Type:  rrService,
				Seen:  Text{En: "`TCP  192.168.0.75:80 rr` in ipvsadm -L -n.", Zh: "ipvsadm -L -n 里有 `TCP  192.168.0.75:80 rr`。"},
				Done: func(c *Context) bool {
					s := c.Cur.service(vipKey)
					return s != nil && s.Scheduler == "rr"
				},
				Hints:    append([]*Hint{wrongServiceHint, udpServiceHint}, schedulerHints()...),
				Solution: []Action{ipvsadmCmd("-A", "-t", "192.168.0.75:80", "-s", "rr")},
				Mistakes: []Mistake{
					{Hint: "wrong-vip", Do: []Action{ipvsadmCmd("-A", "-t", "192.168.0.75:8080", "-s", "rr")}, Undo: []Action{ipvsadmCmd("-D", "-t", "192.168.0.75:8080")}},
					{Hint: "udp-service", Do: []Action{ipvsadmCmd("-A", "-u", "192.168.0.75:80", "-s", "rr")}, Undo: []Action{ipvsadmCmd("-D", "-u", "192.168.0.75:80")}},
					{Hint: "wrr-first", Do: []Action{ipvsadmCmd("-A", "-t", "192.168.0.75:80", "-s", "wrr")}, Undo: []Action{ipvsadmCmd("-D", "-t", "192.168.0.75:80")}},
				},
			},
			{
				ID:    "real-servers",
				Title: Text{En: fmt.Sprintf("Add rs1 and rs2 with %s", f.flag), Zh: fmt.Sprintf("用 %s 加入 rs1 和 rs2", f.flag)},
				Why:   f.why,
				Host:  "director",
				Type:  addBoth,
				Seen:  Text{En: fmt.Sprintf("Both real servers are %s.", f.method), Zh: fmt.Sprintf("两个 real server 的 Forward 都是 %s。", f.method)},
				Done: func(c *Context) bool {
					s := c.Cur.service(vipKey)
					a, b := s.dest(addr1), s.dest(addr2)
					return a != nil && b != nil && a.Method == f.method && b.Method == f.method
				},
				Hints:    []*Hint{wrongMethod, servers.notInLabHint(), serviceGone(rrService...)},
				Solution: []Action{add(f.rs1, f.flag), add(f.rs2, f.flag)},
				Mistakes: []Mistake{{Hint: "wrong-method", Do: []Action{add(f.rs1, "-m")},
					Undo: []Action{ipvsadmCmd("-d", "-t", "192.168.0.75:80", "-r", f.rs1)}},
					{Hint: "rs-not-in-lab", Do: []Action{add("172.16.0.45", f.flag)},
						Undo: []Action{ipvsadmCmd("-d", "-t", "192.168.0.75:80", "-r", "172.16.0.45")}}},
			},
			{
				ID:    "traffic",
				Title: Text{En: "Curl the VIP from the client", Zh: "在 client 上访问 VIP"},
				Why: Text{
					En: "The replies come straight from the real servers, not through the director: `ipvsadm -L -n --stats` shows OutPkts 0.",
					Zh: "响应直接从 real server 回到客户端,不经过 director:`ipvsadm -L -n --stats` 里 OutPkts 是 0。",
				},
				Host: "client",
				Type: []Command{
					{Line: "curl -s http://192.168.0.75/", Note: Text{En: "a few times", Zh: "多执行几次"}},
					{Line: "ipvsadm -L -n --stats", Note: Text{En: "on the director", Zh: "在 director 上"}},
				},
				Seen: Text{En: "RS1.magedu.com and RS2.magedu.com in turn.", Zh: "RS1.magedu.com 和 RS2.magedu.com 轮流出现。"},
				Done: func(c *Context) bool {
					return c.served("rs1").Requests > 0 && c.served("rs2").Requests > 0
				},
				Hints:    []*Hint{wrongMethod, servers.notInLabHint(), servers.weightZeroHint(), servers.missingHint(), serviceGone(append(slices.Clone(rrService), addBoth...)...)},
				Solution: []Action{client("curl", "-s", "http://192.168.0.75/"), client("curl", "-s", "http://192.168.0.75/")},
				Mistakes: []Mistake{{
					Hint: "rs-missing",
					Do:   []Action{ipvsadmCmd("-d", "-t", "192.168.0.75:80", "-r", f.rs2)},
					Undo: []Action{add(f.rs2, f.flag)},
				}},
			},
		},
	}
}
