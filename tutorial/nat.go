package tutorial

// The NAT course, as the LVS course ("LVS调度方法及NAT模型的演示") does it: a cluster service on the VIP,
// three real servers behind it through NAT, the director's forwarding turned on, round robin seen at
// work, then rs3 removed, wrr with weights 3 and 1, ab's load split about 3:1, the table saved, cleared and
// restored. The terms follow the course: 集群服务 (cluster service), real server, director, VIP, DIP,
// 调度方法 (scheduling method), 轮询 (rr), 加权轮询 (wrr), 权重 (weight), 地址伪装 (-m, NAT),
// 网卡间的转发 (ip_forward), 统计信息 (--stats), 保存规则 / 清空规则 / 恢复规则 (-S / -C / -R).

const (
	vipKey  = "-t 192.168.0.75:80"
	rs1Addr = "172.16.0.45:80"
	rs2Addr = "172.16.0.55:80"
	rs3Addr = "172.16.0.65:80"
	// SavedRules is the file the course saves the table to, in the folder the tutorial runs in.
	SavedRules = "ipvs.rules"
)

func director(argv ...string) Action { return Action{Host: "director", Argv: argv} }
func client(argv ...string) Action   { return Action{Host: "client", Argv: argv} }

func ipvsadmCmd(args ...string) Action { return director(append([]string{"ipvsadm"}, args...)...) }

// routeHint: a real server added without -m is Route (DR, ipvsadm's default), which a NAT lab cannot carry.
var routeHint = &Hint{
	ID:   "route-in-nat",
	When: func(c *Context) bool { return c.Cur.anyDestNot("Masq") },
	Text: Text{
		En: "A real server is not Masq: without -m, ipvsadm adds it as Route (direct routing, its default), which this NAT lab cannot carry. " +
			"See the Forward column of `ipvsadm -L -n`; -e … -m changes it.",
		Zh: "有 real server 的类型不是 Masq:不加 -m 时,ipvsadm 默认是 DR 模型(Route),这个 NAT 实验环境用不了。" +
			"用 `ipvsadm -L -n` 看 Forward 那一列;可以用 -e … -m 改过来。",
	},
}

// wrongServiceHint: a service exists, but not on the VIP's port 80.
var wrongServiceHint = &Hint{
	ID: "wrong-vip",
	When: func(c *Context) bool {
		return len(c.Cur.Services) > 0 && c.Cur.service(vipKey) == nil
	},
	Text: Text{
		En: "There is a cluster service, but not on the VIP 192.168.0.75, port 80 (TCP), which the clients use. " +
			"`ipvsadm -L -n` shows what you defined; -D removes it.",
		Zh: "已经有集群服务了,但不是定义在 VIP 192.168.0.75 的 80 端口(TCP)上,客户端访问的是这个地址。" +
			"用 `ipvsadm -L -n` 看看定义了什么;-D 可以删除它。",
	},
}

// forwardHint: the table is right, connections reach IPVS, but ip_forward is 0, so no reply comes back.
var forwardHint = &Hint{
	ID: "ip-forward-off",
	When: func(c *Context) bool {
		s, s0 := c.Cur.service(vipKey), c.Start.service(vipKey)
		return c.Cur.IPForward == "0" && s != nil && s0 != nil && s.Conns > s0.Conns
	},
	Text: Text{
		En: "Connections reach the cluster service, but no answer comes back: the director does not forward between its networks. " +
			"`cat /proc/sys/net/ipv4/ip_forward` on the director shows 0.",
		Zh: "请求已经到了集群服务,但没有响应回来:director 网卡间的转发没有打开。在 director 上 `cat /proc/sys/net/ipv4/ip_forward` 看看,是 0。",
	},
}

func natCourse() *Course {
	return &Course{
		Name:     "nat",
		Title:    Text{En: "LVS scheduling and the NAT model, step by step", Zh: "LVS 调度方法及 NAT 模型的演示"},
		Topology: "nat-tutorial",
		Lab:      "nat-tutorial",
		Steps: []*Step{
			{
				ID:    "service",
				Title: Text{En: "Define the cluster service", Zh: "增加集群服务"},
				Why: Text{
					En: "The director's IPVS answers on the VIP, 192.168.0.75:80, which clients use. -A adds a cluster service there; -s rr picks round robin.",
					Zh: "director 上的 ipvs 在 VIP 192.168.0.75:80 上对外提供服务。-A 添加集群服务,-s rr 表示调度方法是轮询。",
				},
				Host: "director",
				Type: []string{"ipvsadm -A -t 192.168.0.75:80 -s rr", "ipvsadm -L -n"},
				Seen: Text{
					En: "ipvsadm -L -n lists `TCP  192.168.0.75:80 rr`, with no real server behind it yet.",
					Zh: "ipvsadm -L -n 列出了 `TCP  192.168.0.75:80 rr`,这个集群服务背后还没有任何 real server。",
				},
				Done: func(c *Context) bool {
					s := c.Cur.service(vipKey)
					return s != nil && s.Scheduler == "rr"
				},
				Hints: []*Hint{wrongServiceHint, {
					ID:   "not-rr",
					When: func(c *Context) bool { s := c.Cur.service(vipKey); return s != nil && s.Scheduler != "rr" },
					Text: Text{
						En: "The service is there, but its scheduler is not rr (without -s, ipvsadm picks wlc). `ipvsadm -L -n` shows it; -E … -s rr changes it.",
						Zh: "集群服务有了,但调度方法不是 rr(不加 -s 时默认是 wlc)。`ipvsadm -L -n` 可以看到;用 -E … -s rr 修改。",
					},
				}},
				Solution: []Action{ipvsadmCmd("-A", "-t", "192.168.0.75:80", "-s", "rr")},
				Mistakes: []Mistake{
					{Hint: "wrong-vip", Do: []Action{ipvsadmCmd("-A", "-t", "192.168.0.75:8080", "-s", "rr")}, Undo: []Action{ipvsadmCmd("-D", "-t", "192.168.0.75:8080")}},
					{Hint: "not-rr", Do: []Action{ipvsadmCmd("-A", "-t", "192.168.0.75:80")}, Undo: []Action{ipvsadmCmd("-D", "-t", "192.168.0.75:80")}},
				},
			},
			{
				ID:    "real-servers",
				Title: Text{En: "Add the three real servers, through NAT", Zh: "把三个 real server 加进集群服务(NAT)"},
				Why: Text{
					En: "-a adds a real server (-r) behind the service; -m (masquerading) makes it NAT: the director rewrites each request's destination to the real server, and the reply's source back to the VIP.",
					Zh: "-a 往集群服务里加 real server(-r);-m 表示地址伪装,即 NAT 模型:director 把请求的目标地址改成 real server 的地址,响应回来时再把源地址改回 VIP。",
				},
				Host: "director",
				Type: []string{
					"ipvsadm -a -t 192.168.0.75:80 -r 172.16.0.45 -m",
					"ipvsadm -a -t 192.168.0.75:80 -r 172.16.0.55 -m",
					"ipvsadm -a -t 192.168.0.75:80 -r 172.16.0.65 -m",
					"ipvsadm -L -n",
				},
				Seen: Text{
					En: "Three real servers, each `Masq` with weight 1: 172.16.0.45, .55 and .65, port 80.",
					Zh: "三个 real server,Forward 都是 Masq,权重都是 1:172.16.0.45、.55、.65 的 80 端口。",
				},
				Done: func(c *Context) bool {
					s := c.Cur.service(vipKey)
					for _, a := range []string{rs1Addr, rs2Addr, rs3Addr} {
						if d := s.dest(a); d == nil || d.Method != "Masq" {
							return false
						}
					}
					return true
				},
				Hints: []*Hint{routeHint},
				Solution: []Action{
					ipvsadmCmd("-a", "-t", "192.168.0.75:80", "-r", "172.16.0.45", "-m"),
					ipvsadmCmd("-a", "-t", "192.168.0.75:80", "-r", "172.16.0.55", "-m"),
					ipvsadmCmd("-a", "-t", "192.168.0.75:80", "-r", "172.16.0.65", "-m"),
				},
				Mistakes: []Mistake{{
					Hint: "route-in-nat",
					Do:   []Action{ipvsadmCmd("-a", "-t", "192.168.0.75:80", "-r", "172.16.0.45")},
					Undo: []Action{ipvsadmCmd("-d", "-t", "192.168.0.75:80", "-r", "172.16.0.45")},
				}},
			},
			{
				ID:    "forward",
				Title: Text{En: "Make the VIP answer: the director must forward", Zh: "访问试试看:打开 director 网卡间的转发"},
				Why: Text{
					En: "From the client, `curl http://192.168.0.75/` hangs: the request reaches a real server, but its reply comes back through the director, which does not forward between its networks (ip_forward is 0). Turn it on, then curl again.",
					Zh: "在 client 上 `curl http://192.168.0.75/` 会卡住:请求到了 real server,但响应要经过 director 回来,而 director 网卡间的转发没有打开(ip_forward 是 0)。打开它,再 curl 一次。",
				},
				Host: "director",
				Type: []string{
					"cat /proc/sys/net/ipv4/ip_forward",
					"echo 1 > /proc/sys/net/ipv4/ip_forward",
					"lvslab exec client -- curl -s http://192.168.0.75/    # in another terminal",
				},
				Seen: Text{
					En: "ip_forward is 1, and curl from the client prints a real server's page, such as RS3.magedu.com.",
					Zh: "ip_forward 变成了 1,client 上 curl 能拿到某个 real server 的页面,比如 RS3.magedu.com。",
				},
				Done: func(c *Context) bool {
					return c.Cur.IPForward == "1" && c.served("rs1").Requests+c.served("rs2").Requests+c.served("rs3").Requests > 0
				},
				Hints: []*Hint{forwardHint},
				Solution: []Action{
					director("sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"),
					client("curl", "-s", "--max-time", "5", "http://192.168.0.75/"),
				},
				Mistakes: []Mistake{{
					Hint: "ip-forward-off",
					Do:   []Action{client("curl", "-s", "--max-time", "1", "http://192.168.0.75/")},
				}},
			},
			{
				ID:    "round-robin",
				Title: Text{En: "See round robin at work", Zh: "看轮询的效果"},
				Why: Text{
					En: "rr hands each new connection to the next real server in turn. Curl the VIP a few times from the client. (From the director itself it fails: the director does not balance its own connections through NAT.)",
					Zh: "rr(轮询)把每个新连接依次交给下一个 real server。在 client 上多 curl 几次 VIP 看看。(在 director 本机上 curl 是不行的:本机的请求不经过 NAT 转发。)",
				},
				Host: "client",
				Type: []string{"curl -s http://192.168.0.75/    # three times or more", "ipvsadm -L -n    # on the director"},
				Seen: Text{
					En: "RS1.magedu.com, RS2.magedu.com and RS3.magedu.com in turn; ipvsadm -L -n counts each server's connections (InActConn).",
					Zh: "RS1.magedu.com、RS2.magedu.com、RS3.magedu.com 轮流出现;ipvsadm -L -n 里能看到每个 real server 的连接数(InActConn)。",
				},
				Done: func(c *Context) bool {
					return c.served("rs1").Requests > 0 && c.served("rs2").Requests > 0 && c.served("rs3").Requests > 0
				},
				Hints: []*Hint{forwardHint, routeHint},
				Solution: []Action{
					client("curl", "-s", "http://192.168.0.75/"),
					client("curl", "-s", "http://192.168.0.75/"),
					client("curl", "-s", "http://192.168.0.75/"),
				},
			},
			{
				ID:    "remove-rs3",
				Title: Text{En: "Take rs3 out of the service", Zh: "删除 real server rs3"},
				Why: Text{
					En: "-d deletes a real server from a service: the course goes on with rs1 and rs2 only.",
					Zh: "-d 从集群服务里删除某个 real server;后面只用 rs1 和 rs2。",
				},
				Host: "director",
				Type: []string{"ipvsadm -d -t 192.168.0.75:80 -r 172.16.0.65:80"},
				Seen: Text{En: "Only 172.16.0.45 and 172.16.0.55 remain.", Zh: "只剩下 172.16.0.45 和 172.16.0.55 了。"},
				Done: func(c *Context) bool {
					s := c.Cur.service(vipKey)
					return s != nil && s.dest(rs3Addr) == nil && s.dest(rs1Addr) != nil && s.dest(rs2Addr) != nil
				},
				Hints: []*Hint{{
					ID: "removed-wrong-server",
					When: func(c *Context) bool {
						s := c.Cur.service(vipKey)
						return s != nil && (s.dest(rs1Addr) == nil || s.dest(rs2Addr) == nil)
					},
					Text: Text{
						En: "rs1 (172.16.0.45) or rs2 (172.16.0.55) is gone from the service; the course removes rs3 (172.16.0.65). `ipvsadm -L -n` shows who is left; -a … -m adds one back.",
						Zh: "rs1(172.16.0.45)或 rs2(172.16.0.55)被删掉了;课程里删的是 rs3(172.16.0.65)。用 `ipvsadm -L -n` 看还剩谁;-a … -m 可以加回来。",
					},
				}},
				Solution: []Action{ipvsadmCmd("-d", "-t", "192.168.0.75:80", "-r", "172.16.0.65:80")},
				Mistakes: []Mistake{{
					Hint: "removed-wrong-server",
					Do:   []Action{ipvsadmCmd("-d", "-t", "192.168.0.75:80", "-r", "172.16.0.55:80")},
					Undo: []Action{ipvsadmCmd("-a", "-t", "192.168.0.75:80", "-r", "172.16.0.55", "-m")},
				}},
			},
			{
				ID:    "wrr",
				Title: Text{En: "Switch the scheduler to wrr", Zh: "把调度方法改为 wrr"},
				Why: Text{
					En: "-E edits the cluster service; wrr (weighted round robin) gives each real server connections in proportion to its weight.",
					Zh: "-E 修改集群服务;wrr(加权轮询)以权重的比例作为轮询标准,谁权重高,被调度的机会就越多。",
				},
				Host: "director",
				Type: []string{"ipvsadm -E -t 192.168.0.75:80 -s wrr"},
				Seen: Text{En: "ipvsadm -L -n shows `TCP  192.168.0.75:80 wrr`.", Zh: "ipvsadm -L -n 显示 `TCP  192.168.0.75:80 wrr`。"},
				Done: func(c *Context) bool {
					s := c.Cur.service(vipKey)
					return s != nil && s.Scheduler == "wrr"
				},
				Hints: []*Hint{{
					ID:   "edit-without-s",
					When: func(c *Context) bool { s := c.Cur.service(vipKey); return s != nil && s.Scheduler == "wlc" },
					Text: Text{
						En: "The scheduler is wlc: -E re-sends the whole service, and without -s ipvsadm picks wlc. `ipvsadm -L -n` shows it.",
						Zh: "调度方法变成了 wlc:-E 会重新设置整个集群服务,不加 -s 就是默认的 wlc。`ipvsadm -L -n` 可以看到。",
					},
				}},
				Solution: []Action{ipvsadmCmd("-E", "-t", "192.168.0.75:80", "-s", "wrr")},
				Mistakes: []Mistake{{
					Hint: "edit-without-s",
					Do:   []Action{ipvsadmCmd("-E", "-t", "192.168.0.75:80")},
				}},
			},
			{
				ID:    "weights",
				Title: Text{En: "Weigh rs1 3 and rs2 1", Zh: "把 rs1 的权重改为 3,rs2 为 1"},
				Why: Text{
					En: "-e edits a real server; it re-sends everything, so keep -m. With weights 3 and 1, rs1 gets three connections for each one rs2 gets.",
					Zh: "-e 修改 real server;它会重新设置所有选项,所以 -m 要带上。权重 3 比 1,rs1 拿到的连接大约是 rs2 的三倍。",
				},
				Host: "director",
				Type: []string{"ipvsadm -e -t 192.168.0.75:80 -r 172.16.0.45 -m -w 3", "ipvsadm -e -t 192.168.0.75:80 -r 172.16.0.55:80 -m -w 1"},
				Seen: Text{En: "172.16.0.45 has weight 3, 172.16.0.55 weight 1, both Masq.", Zh: "172.16.0.45 的权重是 3,172.16.0.55 是 1,都是 Masq。"},
				Done: func(c *Context) bool {
					s := c.Cur.service(vipKey)
					a, b := s.dest(rs1Addr), s.dest(rs2Addr)
					return a != nil && b != nil && a.Weight == 3 && b.Weight == 1 && a.Method == "Masq" && b.Method == "Masq"
				},
				Hints: []*Hint{routeHint, {
					ID: "weight-wrong-server",
					When: func(c *Context) bool {
						s := c.Cur.service(vipKey)
						b := s.dest(rs2Addr)
						return b != nil && b.Weight == 3
					},
					Text: Text{
						En: "rs2 (172.16.0.55) has weight 3; the course gives 3 to rs1 (172.16.0.45). `ipvsadm -L -n` shows the Weight column.",
						Zh: "权重 3 加到了 rs2(172.16.0.55)上;课程里是 rs1(172.16.0.45)权重为 3。`ipvsadm -L -n` 看 Weight 那一列。",
					},
				}},
				Solution: []Action{
					ipvsadmCmd("-e", "-t", "192.168.0.75:80", "-r", "172.16.0.45", "-m", "-w", "3"),
					ipvsadmCmd("-e", "-t", "192.168.0.75:80", "-r", "172.16.0.55:80", "-m", "-w", "1"),
				},
				Mistakes: []Mistake{
					{Hint: "weight-wrong-server", Do: []Action{ipvsadmCmd("-e", "-t", "192.168.0.75:80", "-r", "172.16.0.55", "-m", "-w", "3")},
						Undo: []Action{ipvsadmCmd("-e", "-t", "192.168.0.75:80", "-r", "172.16.0.55", "-m", "-w", "1")}},
					{Hint: "route-in-nat", Do: []Action{ipvsadmCmd("-e", "-t", "192.168.0.75:80", "-r", "172.16.0.45", "-w", "3")},
						Undo: []Action{ipvsadmCmd("-e", "-t", "192.168.0.75:80", "-r", "172.16.0.45", "-m", "-w", "1")}},
				},
			},
			{
				ID:    "load",
				Title: Text{En: "Load it with ab, and read the stats", Zh: "用 ab 批量请求,看统计信息"},
				Why: Text{
					En: "ab -n 10000 -c 100 sends 10000 requests, 100 at a time, each on a new connection. wrr should give rs1 about three times rs2's connections.",
					Zh: "ab -n 10000 -c 100 发 10000 个请求,并发 100,每个请求一个新连接。按 wrr,172.16.0.45 接受的请求大约是 172.16.0.55 的三倍。",
				},
				Host: "client",
				Type: []string{"ab -n 10000 -c 100 http://192.168.0.75/index.html", "ipvsadm -L -n --stats    # on the director"},
				Seen: Text{
					En: "--stats: 172.16.0.45 has about three times the Conns of 172.16.0.55.",
					Zh: "--stats 里,172.16.0.45 的 Conns 大约是 172.16.0.55 的三倍。",
				},
				Done: func(c *Context) bool {
					a, b := c.served("rs1").Connections, c.served("rs2").Connections
					return a+b >= 1000 && b > 0 && float64(a) >= 2.5*float64(b) && float64(a) <= 3.5*float64(b)
				},
				Hints:    []*Hint{forwardHint, routeHint},
				Solution: []Action{client("ab", "-q", "-n", "2000", "-c", "20", "http://192.168.0.75/index.html")},
			},
			{
				ID:    "save",
				Title: Text{En: "Save the rules", Zh: "保存规则"},
				Why: Text{
					En: "Like iptables, the table lives in the kernel's memory only. -S prints it as rules; -n keeps addresses numeric. Save them to " + SavedRules + " in the folder this tutorial runs in (start lvslab shell director from it).",
					Zh: "和 iptables 一样,规则只在内存中生效。-S 以规则的形式输出,-n 表示用数字格式。用输出重定向保存到本教程所在目录的 " + SavedRules + "(在这个目录里执行 lvslab shell director)。",
				},
				Host: "director",
				Type: []string{"ipvsadm -S -n > " + SavedRules, "cat " + SavedRules},
				Seen: Text{
					En: SavedRules + " holds `-A -t 192.168.0.75:80 -s wrr` and an -a line for each real server.",
					Zh: SavedRules + " 里是 `-A -t 192.168.0.75:80 -s wrr` 和每个 real server 的一行 -a。",
				},
				Done: func(c *Context) bool {
					sv := c.Cur.Saved
					return sv != nil && sv.Exists && sv.Err == "" && sameRules(sv.Services, c.Cur.Services)
				},
				Hints: []*Hint{{
					ID: "saved-not-rules",
					When: func(c *Context) bool {
						sv := c.Cur.Saved
						return sv != nil && sv.Exists && (sv.Err != "" || !sameRules(sv.Services, c.Cur.Services))
					},
					Text: Text{
						En: SavedRules + " is there, but it is not the table's rules (ipvsadm -L prints a listing, -S prints rules). `cat " + SavedRules + "` shows what is in it.",
						Zh: SavedRules + " 有了,但内容不是当前的规则(ipvsadm -L 输出的是列表,-S 输出的才是规则)。`cat " + SavedRules + "` 看看里面是什么。",
					},
				}},
				Solution: []Action{director("sh", "-c", "ipvsadm -S -n > "+SavedRules)},
				Mistakes: []Mistake{{
					Hint: "saved-not-rules",
					Do:   []Action{director("sh", "-c", "ipvsadm -L -n > "+SavedRules)},
				}},
			},
			{
				ID:    "clear",
				Title: Text{En: "Clear the table", Zh: "清空规则"},
				Why:   Text{En: "-C deletes every cluster service, as iptables -F flushes rules.", Zh: "-C 删除所有集群服务,清空规则,相当于 iptables 的 -F。"},
				Host:  "director",
				Type:  []string{"ipvsadm -C", "ipvsadm -L -n"},
				Seen:  Text{En: "ipvsadm -L -n lists no service.", Zh: "ipvsadm -L -n 里什么都没有了。"},
				Done: func(c *Context) bool {
					return len(c.Cur.Services) == 0
				},
				Solution: []Action{ipvsadmCmd("-C")},
			},
			{
				ID:    "restore",
				Title: Text{En: "Restore the rules", Zh: "恢复规则"},
				Why: Text{
					En: "-R reads rules on its standard input, as ipvsadm -S wrote them.",
					Zh: "-R 从标准输入载入此前保存的规则,通过输入重定向。",
				},
				Host: "director",
				Type: []string{"ipvsadm -R < " + SavedRules, "ipvsadm -L -n"},
				Seen: Text{
					En: "The wrr table is back: 172.16.0.45 weight 3, 172.16.0.55 weight 1.",
					Zh: "wrr 的规则又回来了:172.16.0.45 权重 3,172.16.0.55 权重 1。",
				},
				Done: func(c *Context) bool {
					s := c.Cur.service(vipKey)
					a, b := s.dest(rs1Addr), s.dest(rs2Addr)
					return s != nil && s.Scheduler == "wrr" && a != nil && b != nil && a.Weight == 3 && b.Weight == 1
				},
				Hints: []*Hint{{
					ID:   "cleared-not-restored",
					When: func(c *Context) bool { return len(c.Cur.Services) == 0 && c.Stuck() },
					Text: Text{
						En: "The table is still empty (`ipvsadm -L -n`): the rules you saved are in " + SavedRules + ", and -R reads them on its standard input.",
						Zh: "规则还是空的(`ipvsadm -L -n`):保存下来的规则在 " + SavedRules + " 里,-R 从标准输入读取它们。",
					},
				}},
				Solution: []Action{director("sh", "-c", "ipvsadm -R < "+SavedRules)},
				Mistakes: []Mistake{{Hint: "cleared-not-restored"}},
			},
		},
	}
}
