package tutorial

// The NAT course, as the LVS course ("LVS调度方法及NAT模型的演示") does it: a cluster service on the VIP,
// three real servers behind it through NAT, the director's forwarding turned on, round robin seen at
// work, then rs3 removed, wrr with weights 3 and 1, ab's load split about 3:1, the table saved, cleared and
// restored. The terms follow the course: 集群服务 (cluster service), real server, director, VIP, DIP,
// 调度方法 (scheduling method), 轮询 (rr), 加权轮询 (wrr), 权重 (weight), 地址伪装 (-m, NAT),
// 网卡间的转发 (ip_forward), 统计信息 (--stats), 保存规则 / 清空规则 / 恢复规则 (-S / -C / -R).

import (
	"slices"
	"strings"
)

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

// natServers are the NAT lab's three real servers.
var natServers = realServers{addrs: []string{rs1Addr, rs2Addr, rs3Addr}, named: Text{En: "172.16.0.45, .55 and .65", Zh: "172.16.0.45、.55 和 .65"}, flag: "-m"}

// The table the course saves, clears and restores: wrr, rs1 at weight 3 and rs2 at 1, both through NAT.
var courseTable = Service{Key: vipKey, Scheduler: "wrr", Dests: []Dest{
	{Addr: rs1Addr, Method: "Masq", Weight: 3}, {Addr: rs2Addr, Method: "Masq", Weight: 1},
}}

// The commands that build the table again as each step starts from it, for a learner whose table was
// deleted or cleared on the way.
var (
	rrService = []Command{ipvsadmLine("-A", "-t", "192.168.0.75:80", "-s", "rr")}
	rrThree   = append(slices.Clone(rrService),
		ipvsadmLine("-a", "-t", "192.168.0.75:80", "-r", "172.16.0.45", "-m"),
		ipvsadmLine("-a", "-t", "192.168.0.75:80", "-r", "172.16.0.55", "-m"),
		ipvsadmLine("-a", "-t", "192.168.0.75:80", "-r", "172.16.0.65", "-m"))
	rrTwo = append(slices.Clone(rrService),
		ipvsadmLine("-a", "-t", "192.168.0.75:80", "-r", "172.16.0.45", "-m"),
		ipvsadmLine("-a", "-t", "192.168.0.75:80", "-r", "172.16.0.55", "-m"))
	wrrOneOne = []Command{
		ipvsadmLine("-A", "-t", "192.168.0.75:80", "-s", "wrr"),
		ipvsadmLine("-a", "-t", "192.168.0.75:80", "-r", "172.16.0.45", "-m"),
		ipvsadmLine("-a", "-t", "192.168.0.75:80", "-r", "172.16.0.55", "-m"),
	}
	wrrThreeOne = []Command{
		ipvsadmLine("-A", "-t", "192.168.0.75:80", "-s", "wrr"),
		ipvsadmLine("-a", "-t", "192.168.0.75:80", "-r", "172.16.0.45", "-m", "-w", "3"),
		ipvsadmLine("-a", "-t", "192.168.0.75:80", "-r", "172.16.0.55", "-m", "-w", "1"),
	}
)

// actions are commands as --check runs them on the director.
func actions(cmds []Command) []Action {
	var out []Action
	for _, c := range cmds {
		out = append(out, director(strings.Fields(c.Line)...))
	}
	return out
}

// forwardHint: the table is right, connections reach IPVS, but ip_forward is 0, so no reply comes back.
var forwardHint = &Hint{
	ID: "ip-forward-off",
	When: func(c *Context) bool {
		s, s0 := c.Cur.service(vipKey), c.Start.service(vipKey)
		var before uint64
		if s0 != nil {
			before = s0.Conns
		}
		return c.Cur.IPForward == "0" && s != nil && s.Conns > before
	},
	Text: Text{
		En: "Connections reach the cluster service, but no answer comes back: the director does not forward between its networks. " +
			"`cat /proc/sys/net/ipv4/ip_forward` on the director shows 0.",
		Zh: "请求已经到了集群服务,但没有响应回来:director 网卡间的转发没有打开。在 director 上 `cat /proc/sys/net/ipv4/ip_forward` 看看,是 0。",
	},
}

// loadTableHint: ab's split is measured against the course's wrr table, and the table is not that.
var loadTableHint = &Hint{
	ID: "load-table",
	When: func(c *Context) bool {
		s := c.Cur.service(vipKey)
		if s == nil || s.Scheduler != "wrr" {
			return s != nil
		}
		a, b := s.dest(rs1Addr), s.dest(rs2Addr)
		return a == nil || b == nil || a.Weight != 3 || b.Weight != 1
	},
	Text: Text{
		En: "The table is not the one ab's split is measured against: wrr, with 172.16.0.45 at weight 3 and 172.16.0.55 at 1 (`ipvsadm -L -n`). " +
			"Connections follow the table: set it back, then run ab again (the split counts from the table's last change).",
		Zh: "当前的规则不是这一步要测的:wrr,172.16.0.45 权重 3,172.16.0.55 权重 1(`ipvsadm -L -n`)。" +
			"连接是按规则调度的:先把规则改回来,再跑一次 ab(比例从规则最后一次修改之后开始算)。",
	},
}

// The hints of the save, clear and restore steps: each judges the rules file only once it is complete.
var (
	clearedBeforeSaveHint = &Hint{
		ID: "cleared-before-save",
		When: func(c *Context) bool {
			return c.Cur.service(vipKey) == nil && !c.Cur.savedHolds(courseTable)
		},
		Text: Text{
			En: "The table has no cluster service on 192.168.0.75:80 (`ipvsadm -L -n` lists none): it was cleared (-C) or deleted before it was saved, so -S has nothing to save. " +
				"Build it again, the wrr service with 172.16.0.45 at weight 3 and 172.16.0.55 at 1, both -m (`solve` shows the commands), then save it.",
			Zh: "规则里已经没有 192.168.0.75:80 的集群服务了(`ipvsadm -L -n` 里什么都没有):在保存之前就被清空(-C)或删除了,-S 没有东西可以保存。" +
				"先重新建好:wrr 的集群服务,172.16.0.45 权重 3,172.16.0.55 权重 1,都带 -m(输入 `solve` 可以看到命令),再保存。",
		},
		Fix: wrrThreeOne,
	}
	savedNotRulesHint = &Hint{
		ID: "saved-not-rules",
		When: func(c *Context) bool {
			sv := c.Cur.Saved
			return sv != nil && sv.Exists && sv.Err != ""
		},
		Text: Text{
			En: SavedRules + " is there, but it is not rules (ipvsadm -L prints a listing, -S prints rules). `cat " + SavedRules + "` shows what is in it.",
			Zh: SavedRules + " 有了,但里面不是规则(ipvsadm -L 输出的是列表,-S 输出的才是规则)。`cat " + SavedRules + "` 看看里面是什么。",
		},
	}
	savedEmptyHint = &Hint{
		ID: "saved-empty",
		When: func(c *Context) bool {
			rules, ok := c.Cur.savedRules()
			return ok && len(rules) == 0 && c.Cur.service(vipKey) != nil
		},
		Text: Text{
			En: SavedRules + " holds no rules (`cat " + SavedRules + "` prints nothing), though the director's table has them: -S saves the table of the host it runs on, and the table is on the director.",
			Zh: SavedRules + " 里没有规则(`cat " + SavedRules + "` 什么都没输出),而 director 上是有规则的:-S 保存的是它所在主机上的规则,规则在 director 上。",
		},
	}
	savedOtherHint = &Hint{
		ID: "saved-other-rules",
		When: func(c *Context) bool {
			rules, ok := c.Cur.savedRules()
			return ok && len(rules) > 0 && !c.Cur.savedHolds(courseTable)
		},
		Text: Text{
			En: SavedRules + " holds rules, but not the table the course saves: the service on 192.168.0.75:80 with wrr, 172.16.0.45 at weight 3 and 172.16.0.55 at 1, both Masq. " +
				"Compare `cat " + SavedRules + "` with `ipvsadm -L -n`; if the table changed since step 7, set it back and save again.",
			Zh: SavedRules + " 里是规则,但不是课程要保存的那些:192.168.0.75:80 的集群服务,wrr,172.16.0.45 权重 3,172.16.0.55 权重 1,都是 Masq。" +
				"对比一下 `cat " + SavedRules + "` 和 `ipvsadm -L -n`;如果规则在第 7 步之后又改过,改回来再保存一次。",
		},
	}
	savedBusyHint = &Hint{
		ID:   "saved-busy",
		When: func(c *Context) bool { return c.SavedBusy > 0 && c.SavedBusy >= c.StuckAfter },
		Text: Text{
			En: SavedRules + " is still being written: a command that writes it has not finished (`cat > " + SavedRules + "` waits for Ctrl-D, say). The tutorial reads it once that command ends.",
			Zh: SavedRules + " 还在写入中:写它的命令还没有结束(比如 `cat > " + SavedRules + "` 在等 Ctrl-D)。这个命令结束后,教程才会读它。",
		},
	}
	savedLostHint = &Hint{
		ID: "saved-lost",
		When: func(c *Context) bool {
			sv := c.Cur.Saved
			return sv != nil && len(c.Cur.Services) > 0 && !c.Cur.savedHolds(courseTable)
		},
		Text: Text{
			En: SavedRules + " no longer holds the rules saved in step 9 (`cat " + SavedRules + "`): clear the table now and -R will have nothing to bring back. " +
				"Save the table again first, while it is still the course's.",
			Zh: SavedRules + " 里已经不是第 9 步保存的规则了(`cat " + SavedRules + "`):现在清空规则的话,-R 就没有东西可以恢复了。" +
				"趁规则还在,先再保存一次。",
		},
	}
	clearedNotRestoredHint = &Hint{
		ID: "cleared-not-restored",
		When: func(c *Context) bool {
			return len(c.Cur.Services) == 0 && c.Cur.savedHolds(courseTable) && c.Stuck()
		},
		Text: Text{
			En: "The table is still empty (`ipvsadm -L -n`): the rules you saved are in " + SavedRules + ", and -R reads them on its standard input.",
			Zh: "规则还是空的(`ipvsadm -L -n`):保存下来的规则在 " + SavedRules + " 里,-R 从标准输入读取它们。",
		},
	}
	nothingToRestoreHint = &Hint{
		ID: "nothing-to-restore",
		When: func(c *Context) bool {
			return c.Cur.Saved != nil && !c.Cur.holds(courseTable) && !c.Cur.savedHolds(courseTable)
		},
		Text: Text{
			En: SavedRules + " does not hold the saved rules any more (`cat " + SavedRules + "`): it was written again or removed after step 9, so -R has nothing to bring back. " +
				"Build the table by hand instead; `solve` shows the commands.",
			Zh: SavedRules + " 里已经不是保存下来的规则了(`cat " + SavedRules + "`):第 9 步之后它又被改写或删除了,-R 没有东西可以恢复。" +
				"那就手工重新建好规则;输入 `solve` 可以看到命令。",
		},
		Fix: append([]Command{{Line: "ipvsadm -C", Note: Text{En: "from an empty table", Zh: "从空的规则开始"}}}, wrrThreeOne...),
	}
	restoreOverTableHint = &Hint{
		ID: "restore-over-table",
		When: func(c *Context) bool {
			return c.Cur.service(vipKey) != nil && !c.Cur.holds(courseTable) && c.Cur.savedHolds(courseTable)
		},
		Text: Text{
			En: "The table has a service on 192.168.0.75:80, but not the saved one (wrr, weights 3 and 1): -R adds the saved rules to the table, and stops at a service that is there already. " +
				"Clear the table (-C), then restore.",
			Zh: "规则里有 192.168.0.75:80 的集群服务,但不是保存下来的那个(wrr,权重 3 和 1):-R 是把保存的规则加到当前规则里,遇到已经存在的集群服务就会停下。" +
				"先清空(-C),再恢复。",
		},
	}
)

// onDirector notes a command typed on the director.
var onDirector = Text{En: "on the director", Zh: "在 director 上"}

// removedWrongServer is rs1 or rs2 gone from the service where the course removes rs3.
var removedWrongServer = &Hint{
	ID: "removed-wrong-server",
	When: func(c *Context) bool {
		s := c.Cur.service(vipKey)
		return s != nil && (s.dest(rs1Addr) == nil || s.dest(rs2Addr) == nil)
	},
	Text: Text{
		En: "rs1 (172.16.0.45) or rs2 (172.16.0.55) is not in the service; the course removes rs3 (172.16.0.65) and goes on with rs1 and rs2. `ipvsadm -L -n` shows who is there; -a … -m adds one back.",
		Zh: "rs1(172.16.0.45)或 rs2(172.16.0.55)不在集群服务里;课程里删的是 rs3(172.16.0.65),后面用 rs1 和 rs2。用 `ipvsadm -L -n` 看看有谁;-a … -m 可以加回来。",
	},
}

// natCourse is the NAT course: the walkthrough's steps in its order, each step a function of its own below.
func natCourse() *Course {
	return &Course{
		Name:     "nat",
		Title:    Text{En: "LVS scheduling and the NAT model, step by step", Zh: "LVS 调度方法及 NAT 模型的演示"},
		Topology: "nat-tutorial",
		Lab:      "nat-tutorial",
		Steps: []*Step{
			natServiceStep(), natRealServersStep(), natForwardStep(), natRoundRobinStep(), natRemoveRs3Step(), natWrrStep(),
			natWeightsStep(), natLoadStep(), natSaveStep(), natClearStep(), natRestoreStep(), natServerDiesStep(),
		},
	}
}

func natServiceStep() *Step {
	return &Step{
		ID:    "service",
		Title: Text{En: "Define the cluster service", Zh: "增加集群服务"},
		Why: Text{
			En: "The director's IPVS answers on the VIP, 192.168.0.75:80, which clients use. -A adds a cluster service there (-t: TCP); -s rr picks round robin.",
			Zh: "director 上的 ipvs 在 VIP 192.168.0.75:80 上对外提供服务。-A 添加集群服务(-t 表示 TCP),-s rr 表示调度方法是轮询。",
		},
		Host: "director",
		Type: []Command{ipvsadmLine("-A", "-t", "192.168.0.75:80", "-s", "rr"), ipvsadmLine("-L", "-n")},
		Seen: Text{
			En: "ipvsadm -L -n lists `TCP  192.168.0.75:80 rr`, with no real server behind it yet.",
			Zh: "ipvsadm -L -n 列出了 `TCP  192.168.0.75:80 rr`,这个集群服务背后还没有任何 real server。",
		},
		Done: func(c *Context) bool {
			s := c.Cur.service(vipKey)
			return s != nil && s.Scheduler == "rr"
		},
		Hints:    append([]*Hint{wrongServiceHint, udpServiceHint}, schedulerHints()...),
		Solution: []Action{ipvsadmCmd("-A", "-t", "192.168.0.75:80", "-s", "rr")},
		Mistakes: []Mistake{
			{Hint: "wrong-vip", Do: []Action{ipvsadmCmd("-A", "-t", "192.168.0.75:8080", "-s", "rr")}, Undo: []Action{ipvsadmCmd("-D", "-t", "192.168.0.75:8080")}},
			{Hint: "udp-service", Do: []Action{ipvsadmCmd("-A", "-u", "192.168.0.75:80", "-s", "rr")}, Undo: []Action{ipvsadmCmd("-D", "-u", "192.168.0.75:80")}},
			{Hint: "default-wlc", Do: []Action{ipvsadmCmd("-A", "-t", "192.168.0.75:80")}, Undo: []Action{ipvsadmCmd("-D", "-t", "192.168.0.75:80")}},
			{Hint: "wrr-first", Do: []Action{ipvsadmCmd("-A", "-t", "192.168.0.75:80", "-s", "wrr")}, Undo: []Action{ipvsadmCmd("-D", "-t", "192.168.0.75:80")}},
			{Hint: "other-scheduler", Do: []Action{ipvsadmCmd("-A", "-t", "192.168.0.75:80", "-s", "sh")}, Undo: []Action{ipvsadmCmd("-D", "-t", "192.168.0.75:80")}},
		},
	}
}

func natRealServersStep() *Step {
	return &Step{
		ID:    "real-servers",
		Title: Text{En: "Add the three real servers, through NAT", Zh: "把三个 real server 加进集群服务(NAT)"},
		Why: Text{
			En: "-a adds a real server (-r) behind the service; -m (masquerading) makes it NAT: the director rewrites each request's destination to the real server, and the reply's source back to the VIP.",
			Zh: "-a 往集群服务里加 real server(-r);-m 表示地址伪装,即 NAT 模型:director 把请求的目标地址改成 real server 的地址,响应回来时再把源地址改回 VIP。",
		},
		Host: "director",
		Type: []Command{
			ipvsadmLine("-a", "-t", "192.168.0.75:80", "-r", "172.16.0.45", "-m"),
			ipvsadmLine("-a", "-t", "192.168.0.75:80", "-r", "172.16.0.55", "-m"),
			ipvsadmLine("-a", "-t", "192.168.0.75:80", "-r", "172.16.0.65", "-m"),
			ipvsadmLine("-L", "-n"),
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
		Hints: []*Hint{routeHint, natServers.wrongPortHint(), natServers.notInLabHint(), serviceGone(rrService...)},
		Solution: []Action{
			ipvsadmCmd("-a", "-t", "192.168.0.75:80", "-r", "172.16.0.45", "-m"),
			ipvsadmCmd("-a", "-t", "192.168.0.75:80", "-r", "172.16.0.55", "-m"),
			ipvsadmCmd("-a", "-t", "192.168.0.75:80", "-r", "172.16.0.65", "-m"),
		},
		Mistakes: []Mistake{{
			Hint: "route-in-nat",
			Do:   []Action{ipvsadmCmd("-a", "-t", "192.168.0.75:80", "-r", "172.16.0.45")},
			Undo: []Action{ipvsadmCmd("-d", "-t", "192.168.0.75:80", "-r", "172.16.0.45")},
		}, {
			Hint: "rs-wrong-port",
			Do:   []Action{ipvsadmCmd("-a", "-t", "192.168.0.75:80", "-r", "172.16.0.45:8080", "-m")},
			Undo: []Action{ipvsadmCmd("-d", "-t", "192.168.0.75:80", "-r", "172.16.0.45:8080")},
		}, {
			Hint: "rs-not-in-lab",
			Do:   []Action{ipvsadmCmd("-a", "-t", "192.168.0.75:80", "-r", "172.16.0.46", "-m")},
			Undo: []Action{ipvsadmCmd("-d", "-t", "192.168.0.75:80", "-r", "172.16.0.46")},
		}, {
			Hint: "service-gone",
			Do:   []Action{ipvsadmCmd("-D", "-t", "192.168.0.75:80")},
			Undo: actions(rrService),
		}},
	}
}

func natForwardStep() *Step {
	return &Step{
		ID:    "forward",
		Title: Text{En: "Make the VIP answer: the director must forward", Zh: "访问试试看:打开 director 网卡间的转发"},
		Why: Text{
			En: "From the client, `curl http://192.168.0.75/` hangs: the request reaches a real server, but its reply comes back through the director, which does not forward between its networks (ip_forward is 0). Turn it on, then curl again.",
			Zh: "在 client 上 `curl http://192.168.0.75/` 会卡住:请求到了 real server,但响应要经过 director 回来,而 director 网卡间的转发没有打开(ip_forward 是 0)。打开它,再 curl 一次。",
		},
		Host: "director",
		Type: []Command{
			{Line: "cat /proc/sys/net/ipv4/ip_forward"},
			{Line: "echo 1 > /proc/sys/net/ipv4/ip_forward"},
			{Line: "curl -s http://192.168.0.75/", Exec: "client", Note: Text{En: "in another terminal", Zh: "在另一个终端里"}},
		},
		Seen: Text{
			En: "ip_forward is 1, and curl from the client prints a real server's page, such as RS3.magedu.com.",
			Zh: "ip_forward 变成了 1,client 上 curl 能拿到某个 real server 的页面,比如 RS3.magedu.com。",
		},
		Done: func(c *Context) bool {
			return c.Cur.IPForward == "1" && c.served("rs1").Requests+c.served("rs2").Requests+c.served("rs3").Requests > 0
		},
		Hints: []*Hint{forwardHint, routeHint, natServers.wrongPortHint(), natServers.notInLabHint(), natServers.weightZeroHint(), serviceGone(rrThree...)},
		Solution: []Action{
			director("sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"),
			client("curl", "-s", "--max-time", "5", "http://192.168.0.75/"),
		},
		Mistakes: []Mistake{{
			Hint: "ip-forward-off",
			Do:   []Action{client("curl", "-s", "--max-time", "1", "http://192.168.0.75/")},
		}},
	}
}

func natRoundRobinStep() *Step {
	return &Step{
		ID:    "round-robin",
		Title: Text{En: "See round robin at work", Zh: "看轮询的效果"},
		Why: Text{
			En: "rr hands each new connection to the next real server in turn. Curl the VIP a few times from the client. (From the director itself it fails: the director does not balance its own connections through NAT.)",
			Zh: "rr(轮询)把每个新连接依次交给下一个 real server。在 client 上多 curl 几次 VIP 看看。(在 director 本机上 curl 是不行的:本机的请求不经过 NAT 转发。)",
		},
		Host: "client",
		Type: []Command{
			{Line: "curl -s http://192.168.0.75/", Note: Text{En: "three times or more", Zh: "三次或更多次"}},
			{Line: "ipvsadm -L -n", Note: onDirector},
		},
		Seen: Text{
			En: "RS1.magedu.com, RS2.magedu.com and RS3.magedu.com in turn; ipvsadm -L -n counts each server's connections (InActConn).",
			Zh: "RS1.magedu.com、RS2.magedu.com、RS3.magedu.com 轮流出现;ipvsadm -L -n 里能看到每个 real server 的连接数(InActConn)。",
		},
		Done: func(c *Context) bool {
			return c.served("rs1").Requests > 0 && c.served("rs2").Requests > 0 && c.served("rs3").Requests > 0
		},
		Hints: []*Hint{forwardHint, routeHint, natServers.wrongPortHint(), natServers.notInLabHint(), natServers.weightZeroHint(), natServers.missingHint(), {
			ID:   "not-rr-any-more",
			When: func(c *Context) bool { s := c.Cur.service(vipKey); return s != nil && s.Scheduler != "rr" },
			Text: Text{
				En: "The service's scheduler is no longer rr (`ipvsadm -L -n`): this step watches round robin at work. -E edits the service.",
				Zh: "集群服务的调度方法已经不是 rr 了(`ipvsadm -L -n`):这一步要看的是轮询的效果。-E 可以修改集群服务。",
			},
		}, serviceGone(rrThree...)},
		Solution: []Action{
			client("curl", "-s", "http://192.168.0.75/"),
			client("curl", "-s", "http://192.168.0.75/"),
			client("curl", "-s", "http://192.168.0.75/"),
		},
		Mistakes: []Mistake{{
			Hint: "rs-missing",
			Do:   []Action{ipvsadmCmd("-d", "-t", "192.168.0.75:80", "-r", "172.16.0.65")},
			Undo: []Action{ipvsadmCmd("-a", "-t", "192.168.0.75:80", "-r", "172.16.0.65", "-m")},
		}, {
			Hint: "weight-zero",
			Do:   []Action{ipvsadmCmd("-e", "-t", "192.168.0.75:80", "-r", "172.16.0.65", "-m", "-w", "0")},
			Undo: []Action{ipvsadmCmd("-e", "-t", "192.168.0.75:80", "-r", "172.16.0.65", "-m", "-w", "1")},
		}},
	}
}

func natRemoveRs3Step() *Step {
	return &Step{
		ID:    "remove-rs3",
		Title: Text{En: "Take rs3 out of the service", Zh: "删除 real server rs3"},
		Why: Text{
			En: "-d deletes a real server from a service: the course goes on with rs1 and rs2 only.",
			Zh: "-d 从集群服务里删除某个 real server;后面只用 rs1 和 rs2。",
		},
		Host: "director",
		Type: []Command{ipvsadmLine("-d", "-t", "192.168.0.75:80", "-r", "172.16.0.65:80")},
		Seen: Text{En: "Only 172.16.0.45 and 172.16.0.55 remain.", Zh: "只剩下 172.16.0.45 和 172.16.0.55 了。"},
		Done: func(c *Context) bool {
			s := c.Cur.service(vipKey)
			return s != nil && s.dest(rs3Addr) == nil && s.dest(rs1Addr) != nil && s.dest(rs2Addr) != nil
		},
		Hints:    []*Hint{removedWrongServer, serviceGone(rrThree...)},
		Solution: []Action{ipvsadmCmd("-d", "-t", "192.168.0.75:80", "-r", "172.16.0.65:80")},
		Mistakes: []Mistake{{
			Hint: "removed-wrong-server",
			Do:   []Action{ipvsadmCmd("-d", "-t", "192.168.0.75:80", "-r", "172.16.0.55:80")},
			Undo: []Action{ipvsadmCmd("-a", "-t", "192.168.0.75:80", "-r", "172.16.0.55", "-m")},
		}},
	}
}

func natWrrStep() *Step {
	return &Step{
		ID:    "wrr",
		Title: Text{En: "Switch the scheduler to wrr", Zh: "把调度方法改为 wrr"},
		Why: Text{
			En: "-E edits the cluster service; wrr (weighted round robin) gives each real server connections in proportion to its weight.",
			Zh: "-E 修改集群服务;wrr(加权轮询)以权重的比例作为轮询标准,谁权重高,被调度的机会就越多。",
		},
		Host: "director",
		Type: []Command{ipvsadmLine("-E", "-t", "192.168.0.75:80", "-s", "wrr")},
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
		}, serviceGone(rrTwo...)},
		Solution: []Action{ipvsadmCmd("-E", "-t", "192.168.0.75:80", "-s", "wrr")},
		Mistakes: []Mistake{{
			Hint: "edit-without-s",
			Do:   []Action{ipvsadmCmd("-E", "-t", "192.168.0.75:80")},
		}},
	}
}

func natWeightsStep() *Step {
	return &Step{
		ID:    "weights",
		Title: Text{En: "Weigh rs1 3 and rs2 1", Zh: "把 rs1 的权重改为 3,rs2 为 1"},
		Why: Text{
			En: "-e edits a real server; it re-sends everything, so keep -m. With weights 3 and 1, rs1 gets three connections for each one rs2 gets.",
			Zh: "-e 修改 real server;它会重新设置所有选项,所以 -m 要带上。权重 3 比 1,rs1 拿到的连接大约是 rs2 的三倍。",
		},
		Host: "director",
		Type: []Command{
			ipvsadmLine("-e", "-t", "192.168.0.75:80", "-r", "172.16.0.45", "-m", "-w", "3"),
			ipvsadmLine("-e", "-t", "192.168.0.75:80", "-r", "172.16.0.55:80", "-m", "-w", "1"),
		},
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
		}, removedWrongServer, serviceGone(wrrOneOne...)},
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
	}
}

func natLoadStep() *Step {
	return &Step{
		ID:    "load",
		Title: Text{En: "Load it with ab, and read the stats", Zh: "用 ab 批量请求,看统计信息"},
		Why: Text{
			En: "ab -n 10000 -c 100 sends 10000 requests, 100 at a time, each on a new connection. wrr should give rs1 about three times rs2's connections.",
			Zh: "ab -n 10000 -c 100 发 10000 个请求,并发 100,每个请求一个新连接。按 wrr,172.16.0.45 接受的请求大约是 172.16.0.55 的三倍。",
		},
		Host: "client",
		Type: []Command{
			{Line: "ab -n 10000 -c 100 http://192.168.0.75/index.html"},
			{Line: "ipvsadm -L -n --stats", Note: onDirector},
		},
		Seen: Text{
			En: "--stats: 172.16.0.45 has about three times the Conns of 172.16.0.55.",
			Zh: "--stats 里,172.16.0.45 的 Conns 大约是 172.16.0.55 的三倍。",
		},
		Done: func(c *Context) bool {
			a, b := c.served("rs1").Connections, c.served("rs2").Connections
			return a+b >= 1000 && b > 0 && float64(a) >= 2.5*float64(b) && float64(a) <= 3.5*float64(b)
		},
		Hints:    []*Hint{forwardHint, routeHint, loadTableHint, natServers.weightZeroHint(), serviceGone(wrrThreeOne...)},
		Solution: []Action{client("ab", "-q", "-n", "2000", "-c", "20", "http://192.168.0.75/index.html")},
		Mistakes: []Mistake{{
			Hint: "load-table",
			Do:   []Action{ipvsadmCmd("-E", "-t", "192.168.0.75:80", "-s", "rr")},
			Undo: []Action{ipvsadmCmd("-E", "-t", "192.168.0.75:80", "-s", "wrr")},
		}},
	}
}

func natSaveStep() *Step {
	return &Step{
		ID:    "save",
		Title: Text{En: "Save the rules", Zh: "保存规则"},
		Why: Text{
			En: "Like iptables, the table lives in the kernel's memory only. -S prints it as rules; -n keeps addresses numeric. Save them to " + SavedRules + " in the folder this tutorial runs in (start lvslab shell director from it).",
			Zh: "和 iptables 一样,规则只在内存中生效。-S 以规则的形式输出,-n 表示用数字格式。用输出重定向保存到本教程所在目录的 " + SavedRules + "(在这个目录里执行 lvslab shell director)。",
		},
		Host: "director",
		Type: []Command{ipvsadmLine("-S", "-n", ">", SavedRules), {Line: "cat " + SavedRules}},
		Seen: Text{
			En: SavedRules + " holds `-A -t 192.168.0.75:80 -s wrr` and an -a line for each real server.",
			Zh: SavedRules + " 里是 `-A -t 192.168.0.75:80 -s wrr` 和每个 real server 的一行 -a。",
		},
		Done:     func(c *Context) bool { return c.Cur.savedHolds(courseTable) },
		Hints:    []*Hint{clearedBeforeSaveHint, savedNotRulesHint, savedEmptyHint, savedOtherHint, savedBusyHint},
		Solution: []Action{director("sh", "-c", "ipvsadm -S -n > "+SavedRules)},
		Mistakes: []Mistake{{
			Hint: "saved-not-rules",
			Do:   []Action{director("sh", "-c", "ipvsadm -L -n > "+SavedRules)},
			Undo: []Action{director("rm", "-f", SavedRules)},
		}, {
			Hint: "saved-empty",
			Do:   []Action{client("sh", "-c", "ipvsadm -S -n > "+SavedRules)},
			Undo: []Action{director("rm", "-f", SavedRules)},
		}, {
			Hint: "saved-other-rules",
			Do: []Action{ipvsadmCmd("-e", "-t", "192.168.0.75:80", "-r", "172.16.0.55", "-m", "-w", "2"),
				director("sh", "-c", "ipvsadm -S -n > "+SavedRules)},
			Undo: []Action{ipvsadmCmd("-e", "-t", "192.168.0.75:80", "-r", "172.16.0.55", "-m", "-w", "1"),
				director("rm", "-f", SavedRules)},
		}, {
			Hint: "cleared-before-save",
			Do:   []Action{ipvsadmCmd("-C")},
			Undo: actions(wrrThreeOne),
		}, {
			// The course's own trap: -C typed before -S, then the empty table saved.
			Hint: "cleared-before-save",
			Do:   []Action{ipvsadmCmd("-C"), director("sh", "-c", "ipvsadm -S -n > "+SavedRules)},
			Undo: append(actions(wrrThreeOne), director("rm", "-f", SavedRules)),
		}},
		Races: []Race{{
			// The shell creates the file empty, then ipvsadm writes it: the window widened.
			Name:  "save-race",
			Start: director("sh", "-c", "exec 3> "+SavedRules+" && read line && ipvsadm -S -n >&3"),
		}},
	}
}

func natClearStep() *Step {
	return &Step{
		ID:    "clear",
		Title: Text{En: "Clear the table", Zh: "清空规则"},
		Why:   Text{En: "-C deletes every cluster service, as iptables -F flushes rules.", Zh: "-C 删除所有集群服务,清空规则,相当于 iptables 的 -F。"},
		Host:  "director",
		Type:  []Command{ipvsadmLine("-C"), ipvsadmLine("-L", "-n")},
		Seen:  Text{En: "ipvsadm -L -n lists no service.", Zh: "ipvsadm -L -n 里什么都没有了。"},
		Done: func(c *Context) bool {
			return len(c.Cur.Services) == 0
		},
		Hints:    []*Hint{savedLostHint},
		Solution: []Action{ipvsadmCmd("-C")},
		Mistakes: []Mistake{{
			Hint: "saved-lost",
			Do:   []Action{director("sh", "-c", "ipvsadm -L -n > "+SavedRules)},
			Undo: []Action{director("sh", "-c", "ipvsadm -S -n > "+SavedRules)},
		}},
	}
}

func natRestoreStep() *Step {
	return &Step{
		ID:    "restore",
		Title: Text{En: "Restore the rules", Zh: "恢复规则"},
		Why: Text{
			En: "-R reads rules on its standard input, as ipvsadm -S wrote them.",
			Zh: "-R 从标准输入载入此前保存的规则,通过输入重定向。",
		},
		Host: "director",
		Type: []Command{ipvsadmLine("-R", "<", SavedRules), ipvsadmLine("-L", "-n")},
		Seen: Text{
			En: "The wrr table is back: 172.16.0.45 weight 3, 172.16.0.55 weight 1.",
			Zh: "wrr 的规则又回来了:172.16.0.45 权重 3,172.16.0.55 权重 1。",
		},
		Done:     func(c *Context) bool { return c.Cur.holds(courseTable) },
		Hints:    []*Hint{clearedNotRestoredHint, nothingToRestoreHint, restoreOverTableHint},
		Solution: []Action{director("sh", "-c", "ipvsadm -R < "+SavedRules)},
		Mistakes: []Mistake{{Hint: "cleared-not-restored"}, {
			Hint: "nothing-to-restore",
			Do:   []Action{director("rm", SavedRules)},
			Undo: append(actions(wrrThreeOne), director("sh", "-c", "ipvsadm -S -n > "+SavedRules), ipvsadmCmd("-C")),
		}, {
			Hint: "restore-over-table",
			Do:   []Action{ipvsadmCmd("-A", "-t", "192.168.0.75:80", "-s", "rr")},
			Undo: []Action{ipvsadmCmd("-C")},
		}},
	}
}
