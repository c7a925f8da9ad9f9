package tutorial

// The NAT course's last step, beyond the walkthrough: what the director does when a real server dies.
// IPVS does not watch its real servers; a health checker (keepalived) takes a dead one out of rotation.

// serverStopped is a real server's state once its server process was stopped (lvslab fault HOST stop), as
// the lab reports it.
const serverStopped = "stopped"

var rs2Drained = ipvsadmLine("-e", "-t", "192.168.0.75:80", "-r", "172.16.0.55:80", "-m", "-w", "0")

// rs2Out says rs2 takes no new connection: its weight is 0, or it is out of the service.
func rs2Out(st State) bool {
	d := st.service(vipKey).dest(rs2Addr)
	return d == nil || d.Weight == 0
}

func rs2Dead(st State) bool { return st.Served["rs2"].State == serverStopped }

var deadButWeightedHint = &Hint{
	ID:   "dead-but-weighted",
	When: func(c *Context) bool { return rs2Dead(c.Cur) && !rs2Out(c.Cur) },
	Text: Text{
		En: "rs2's server is down, and the director still gives it its share: IPVS does not watch its real servers, so every connection it sends rs2 is refused (ab stops at \"Connection refused\"). Take rs2 out of rotation as a health checker would: its weight to 0 (-e … -w 0).",
		Zh: "rs2 的服务已经停了,director 仍然按权重给它分连接:IPVS 不检查 real server 的健康状态,发给 rs2 的连接都被拒绝(ab 在 \"Connection refused\" 处停下)。像健康检查程序那样把它摘下来:把它的权重设为 0(-e … -w 0)。",
	},
	Fix: []Command{rs2Drained},
}

var drainedButAliveHint = &Hint{
	ID:   "drained-but-alive",
	When: func(c *Context) bool { return !rs2Dead(c.Cur) && rs2Out(c.Cur) },
	Text: Text{
		En: "rs2 is out of rotation, but its server still runs: stop it first (lvslab fault rs2 stop, on this machine) to see what the director does with a dead server.",
		Zh: "rs2 已经不接新连接了,但它的服务还在运行:先停掉它(在本机上执行 lvslab fault rs2 stop),看看 director 怎样对待一台宕掉的 real server。",
	},
}

func natServerDiesStep() *Step {
	return &Step{
		ID:    "server-dies",
		Title: Text{En: "When a real server dies (beyond the course)", Zh: "real server 宕机时(课程之外)"},
		Why: Text{
			En: "IPVS does not check its real servers. Stop rs2's web server, as a crash would, and load the VIP again: the director still sends rs2 its quarter, and ab stops at the first refused connection. A health checker such as keepalived then takes the server out of rotation, its weight to 0; do that by hand and load again: every connection goes to rs1, and none fails.",
			Zh: "IPVS 不检查 real server 的健康状态。像宕机一样停掉 rs2 的 web 服务,再压测 VIP:director 仍然把四分之一的连接发给 rs2,ab 在第一个被拒绝的连接处停下。keepalived 这类健康检查程序会把它摘下来,权重设为 0;手工做一遍再压测:所有连接都去了 rs1,没有一个失败。",
		},
		Host: "client",
		Type: []Command{
			{Line: "fault rs2 stop", Lvslab: true, Note: onThisMachine},
			{Line: "ab -n 1000 -c 10 http://192.168.0.75/index.html"},
			{Line: rs2Drained.Line, Exec: "director"},
			{Line: "ab -n 1000 -c 10 http://192.168.0.75/index.html"},
		},
		Seen: Text{
			En: "The first ab stopped at \"Connection refused\"; after the weight went to 0, the second finished with no failed request, and ipvsadm -L -n --stats shows 172.16.0.55's Conns still. (To bring rs2 back: lvslab fault rs2 start, and its weight to 1.)",
			Zh: "第一次 ab 在 \"Connection refused\" 处停下;权重设为 0 之后,第二次 ab 跑完,没有失败的请求,ipvsadm -L -n --stats 里 172.16.0.55 的 Conns 不再增加。(恢复 rs2:lvslab fault rs2 start,再把权重设回 1。)",
		},
		// Done once rs2 is dead and out of rotation: the load after it is for the learner to see, not a
		// count to check, as the table's change resets what the counts start from, at a moment the
		// tutorial may see only once the load is over.
		Done:  func(c *Context) bool { return rs2Dead(c.Cur) && rs2Out(c.Cur) },
		Hints: []*Hint{deadButWeightedHint, drainedButAliveHint, forwardHint, routeHint},
		Solution: []Action{
			{Fault: "rs2 stop"}, actions([]Command{rs2Drained})[0],
			client("ab", "-q", "-n", "600", "-c", "10", "http://192.168.0.75/index.html"),
		},
		Mistakes: []Mistake{{
			Hint: "dead-but-weighted",
			Do:   []Action{{Fault: "rs2 stop"}},
			Undo: []Action{{Fault: "rs2 start"}},
		}, {
			Hint: "drained-but-alive",
			Do:   actions([]Command{rs2Drained}),
			Undo: []Action{ipvsadmCmd("-e", "-t", "192.168.0.75:80", "-r", "172.16.0.55:80", "-m", "-w", "1")},
		}},
	}
}

var onThisMachine = Text{En: "on this machine, in another terminal", Zh: "在本机的另一个终端里"}
