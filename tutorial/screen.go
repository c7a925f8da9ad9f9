package tutorial

import (
	"fmt"
	"strings"
)

// Screen is everything the tutorial prints, in one language, for one course's lab. A lab of another name
// than the course's own (lvslab tutorial --name) goes into the commands it shows: lvslab shell --lab NAME.
type Screen struct {
	Lang   Lang
	Course *Course
	Lab    string
}

func (sc Screen) say(en, zh string) string { return Text{En: en, Zh: zh}.In(sc.Lang) }

// named tells whether the lab has a name of its own, which commands must then give.
func (sc Screen) named() bool { return sc.Lab != sc.Course.Lab }

// Shell is the command that opens a shell in host.
func (sc Screen) Shell(host string) string {
	if sc.named() {
		return "lvslab shell --lab " + sc.Lab + " " + host
	}
	return "lvslab shell " + host
}

// Line is a command as the learner types it, with its note.
func (sc Screen) Line(c Command) string {
	line := c.Line
	if c.Lvslab {
		verb, rest, _ := strings.Cut(c.Line, " ")
		line = "lvslab " + verb + " "
		if sc.named() {
			line += "--lab " + sc.Lab + " "
		}
		line += rest
	}
	if c.Exec != "" {
		lab := ""
		if sc.named() {
			lab = "--lab " + sc.Lab + " "
		}
		line = "lvslab exec " + lab + c.Exec + " -- " + c.Line
	}
	if note := c.Note.In(sc.Lang); note != "" {
		line += "    # " + note
	}
	return line
}

// Title is the course's title.
func (sc Screen) Title() string { return sc.Course.Title.In(sc.Lang) + "\n\n" }

// Starting says the lab is being brought up (a microVM's boot takes a while).
func (sc Screen) Starting(inVM bool) string {
	if inVM {
		return sc.say("Bringing up lab "+sc.Lab+" in a microVM (this kernel has no IPVS); it takes a few seconds.\n",
			"正在微虚拟机里启动实验环境 "+sc.Lab+"(本机内核没有 IPVS),需要几秒钟。\n")
	}
	return sc.say("Bringing up lab "+sc.Lab+".\n", "正在启动实验环境 "+sc.Lab+"。\n")
}

// StartedOver says the lab was gone, so the course begins again.
func (sc Screen) StartedOver() string {
	return sc.say("The lab was gone and is new again: the course starts over.\n", "实验环境已经不在了,重新建好了:课程从头开始。\n")
}

// Ready says where the learner types the commands.
func (sc Screen) Ready(inVM bool, folder string) string {
	where := sc.say("lab "+sc.Lab, "实验环境 "+sc.Lab)
	if inVM {
		where += sc.say(" (in a microVM)", "(在微虚拟机里)")
	}
	return sc.say(where+" is ready. In a second terminal, from this folder ("+folder+"):",
		where+" 已经准备好了。在第二个终端里,进入本目录("+folder+")后执行:") + "\n    " + sc.Shell("director") + "\n\n"
}

// Step is step i's screen: what to do and why, and the commands.
func (sc Screen) Step(i int) string {
	s := sc.Course.Steps[i]
	var b strings.Builder
	fmt.Fprintf(&b, "── %s\n", sc.say(fmt.Sprintf("Step %d/%d: %s", i+1, len(sc.Course.Steps), s.Title.En),
		fmt.Sprintf("第 %d/%d 步:%s", i+1, len(sc.Course.Steps), s.Title.In(Chinese))))
	fmt.Fprintf(&b, "   %s\n", s.Why.In(sc.Lang))
	fmt.Fprintf(&b, "   %s\n", sc.say("On "+s.Host+" ("+sc.Shell(s.Host)+"), type:", "在 "+s.Host+" 上("+sc.Shell(s.Host)+")执行:"))
	for _, c := range s.Type {
		fmt.Fprintf(&b, "     %s\n", sc.Line(c))
	}
	fmt.Fprintf(&b, "   %s\n", sc.say("(here: hint, solve, quit)", "(在这里可以输入:hint 提示,solve 答案,quit 退出)"))
	return b.String()
}

// Hint is a hint as the tutorial shows it.
func (sc Screen) Hint(h *Hint) string {
	return "   " + sc.say("hint: ", "提示:") + h.Text.In(sc.Lang) + "\n"
}

// Asked answers a learner who types hint: the hints that hold now; when none does, that nothing looks
// wrong yet, and what the step waits for.
func (sc Screen) Asked(w *Watch) string {
	var b strings.Builder
	for _, h := range w.Hints(true) {
		b.WriteString(sc.Hint(h))
	}
	if b.Len() == 0 {
		b.WriteString("   " + sc.say("hint: ", "提示:") + sc.say("nothing in the lab looks wrong yet. The step is done when: ", "实验环境里还看不出有什么不对。这一步完成时:") +
			w.step.Seen.In(sc.Lang) + "\n")
	}
	return b.String()
}

// Solve is the answer to solve: the way back first when the state needs one, then the step's commands.
func (sc Screen) Solve(w *Watch) string {
	var b strings.Builder
	s := w.step
	if fix := w.Fix(); len(fix) > 0 {
		fmt.Fprintf(&b, "   %s\n", sc.say("First build the table again, on director:", "先在 director 上重新建好规则:"))
		for _, c := range fix {
			fmt.Fprintf(&b, "     %s\n", sc.Line(c))
		}
		fmt.Fprintf(&b, "   %s\n", sc.say("Then, on "+s.Host+":", "然后在 "+s.Host+" 上执行:"))
	} else {
		fmt.Fprintf(&b, "   %s\n", sc.say("The commands, on "+s.Host+":", "在 "+s.Host+" 上执行:"))
	}
	for _, c := range s.Type {
		fmt.Fprintf(&b, "     %s\n", sc.Line(c))
	}
	return b.String()
}

// Unreadable says the lab could not be read for a while (a machine too busy, a microVM that stopped
// answering), and why; the tutorial goes on trying.
func (sc Screen) Unreadable(err error) string {
	return "   " + sc.say("lvslab cannot read the lab's state ("+err.Error()+"); it keeps trying.\n",
		"lvslab 读不到实验环境的状态("+err.Error()+"),会一直重试。\n")
}

// Done says the step is done, and what the learner should have seen.
func (sc Screen) Done(s *Step) string { return "✔ " + s.Seen.In(sc.Lang) + "\n\n" }

// SolvedForYou says that --from solves step i (0-based) in the lab, for a learner who starts later.
func (sc Screen) SolvedForYou(i int) string {
	s := sc.Course.Steps[i]
	return sc.say(fmt.Sprintf("── Step %d/%d: %s — solved for you (--from)\n", i+1, len(sc.Course.Steps), s.Title.En),
		fmt.Sprintf("── 第 %d/%d 步:%s —— 已替你完成(--from)\n", i+1, len(sc.Course.Steps), s.Title.In(Chinese)))
}

// Command is how the learner comes back to this course and lab.
func (sc Screen) Command() string {
	c := "lvslab tutorial " + sc.Course.Name
	if sc.named() {
		c += " --name " + sc.Lab
	}
	return c
}

// Kept says progress survives quitting, and how to go on.
func (sc Screen) Kept() string {
	return sc.say("\nProgress kept: `"+sc.Command()+"` goes on from here; --reset starts over.\n",
		"\n进度已保存:再次执行 `"+sc.Command()+"` 从这里继续;--reset 从头开始。\n")
}

// Finished says the course is over.
func (sc Screen) Finished() string {
	return sc.say("\nEvery step done. `lvslab down "+sc.Lab+"` takes the lab down.\n",
		"\n全部完成。`lvslab down "+sc.Lab+"` 可以删除实验环境。\n")
}

// Status is what lvslab tutorial status prints of one course: how many steps are done, and which.
func (sc Screen) Status(done func(id string) bool) string {
	var b strings.Builder
	n := 0
	for _, s := range sc.Course.Steps {
		if done(s.ID) {
			n++
		}
	}
	name := sc.Course.Name
	if sc.named() {
		name += " (" + sc.Lab + ")"
	}
	fmt.Fprintf(&b, "%s\n", sc.say(fmt.Sprintf("%s: %d of %d steps done", name, n, len(sc.Course.Steps)),
		fmt.Sprintf("%s:共 %d 步,已完成 %d 步", name, len(sc.Course.Steps), n)))
	for _, s := range sc.Course.Steps {
		mark := " "
		if done(s.ID) {
			mark = "✔"
		}
		fmt.Fprintf(&b, "  %s %s\n", mark, s.Title.In(sc.Lang))
	}
	return b.String()
}

// OtherLab says the lab of that name is up, but is not this course's.
func (sc Screen) OtherLab(topology string) string {
	return sc.say(fmt.Sprintf("lab %s is up, but it is not the %s course's lab (it was built from %s, the course needs %s): take it down with `lvslab down %s`, or give the tutorial another --name",
		sc.Lab, sc.Course.Name, topology, sc.Course.Topology, sc.Lab),
		fmt.Sprintf("实验环境 %s 已经在运行,但它不是 %s 课程的实验环境(它是用 %s 建的,课程需要 %s):用 `lvslab down %s` 删除它,或者给教程换一个 --name",
			sc.Lab, sc.Course.Name, topology, sc.Course.Topology, sc.Lab))
}

// BadName says the --name given cannot be a lab's name.
func (sc Screen) BadName(err error) string {
	return sc.say("--name: "+err.Error(),
		fmt.Sprintf("--name %q 不能用作实验环境的名字:要用 1 到 32 个小写字母、数字或 '-',以字母或数字开头和结尾", sc.Lab))
}
