package lab

import (
	"math/big"
	"os"
	"strings"
	"testing"
)

func TestCPUMaskIsSysfsBitmapSyntax(t *testing.T) {
	cases := []struct {
		cpus []int
		want string
	}{
		{nil, "0"},
		{[]int{0, 1}, "3"},
		{[]int{4}, "10"},
		{[]int{32}, "1,00000000"},
		{[]int{0, 35, 70}, "40,00000008,00000001"},
	}
	for _, c := range cases {
		set := map[int]bool{}
		for _, cpu := range c.cpus {
			set[cpu] = true
		}
		if got := cpuMask(func(cpu int) bool { return set[cpu] }, 1024); got != c.want {
			t.Errorf("CPUs %v: mask %q, want %q", c.cpus, got, c.want)
		}
	}
}

// bitmap reads a sysfs CPU mask ("3", "03", "1,00000000") as a number.
func bitmap(t *testing.T, mask string) *big.Int {
	t.Helper()
	n, ok := new(big.Int).SetString(strings.ReplaceAll(strings.TrimSpace(mask), ",", ""), 16)
	if !ok {
		t.Fatalf("%q is not a CPU mask", mask)
	}
	return n
}

// Every interface of every lab namespace (the hosts' and the switch's ports) steers a flow to one CPU, so
// that a connection's packets cannot overtake one another between CPUs; lvslab's own mounts stay its own.
// So on a kernel with a default for new interfaces, and on one without (Linux 6.1).
func TestEveryLabInterfaceKeepsFlowsInOrder(t *testing.T) {
	t.Run("kernel's default", func(t *testing.T) {
		if !hasDefaultRPSMask() {
			t.Skip("this kernel has no net.core.rps_default_mask (Linux 6.2 and later)")
		}
		checkFlowsInOrder(t)
	})
	t.Run("each interface", func(t *testing.T) {
		testHookNoDefaultRPSMask = true
		t.Cleanup(func() { testHookNoDefaultRPSMask = false })
		checkFlowsInOrder(t)
	})
}

func checkFlowsInOrder(t *testing.T) {
	mountsBefore := mountsOutsideNetns(t)
	l := upDefault(t)
	mask, err := usableCPUMask()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{} // interfaces by host; the switch has a port for each
	for _, h := range l.Topology.Hosts {
		want[h.Name] = len(h.Interfaces)
		want[switchHost] += len(h.Interfaces)
	}
	for _, n := range l.state.Namespaces {
		var got map[string]string
		err := withNamespacesSysfs([]string{netnsPath(n.Name)}, func() error {
			queues, err := receiveQueues()
			got = map[string]string{}
			for _, q := range queues {
				b, err := os.ReadFile(q)
				if err != nil {
					return err
				}
				got[q] = string(b)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		host := n.Host
		if host == "" {
			host = switchHost
		}
		if len(got) < want[host] {
			t.Errorf("%s: %d receive queues (%v), want one for each of its %d interfaces at least", n.Name, len(got), got, want[host])
		}
		for q, m := range got {
			if bitmap(t, m).Cmp(bitmap(t, mask)) != 0 {
				t.Errorf("%s: %s is %q, want every usable CPU, %s", n.Name, q, strings.TrimSpace(m), mask)
			}
		}
	}
	if after := mountsOutsideNetns(t); after != mountsBefore {
		t.Errorf("the lab changed this process's mounts:\nbefore:\n%s\nafter:\n%s", mountsBefore, after)
	}
}

// mountsOutsideNetns is this thread's mount table but for the namespaces bound under /run/netns: what
// every thread sees but a retired one (which may be the main thread, whose view /proc/self shows).
func mountsOutsideNetns(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("/proc/thread-self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	var keep []string
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 4 && !strings.HasPrefix(f[4], NetnsDir) {
			keep = append(keep, strings.Join(append(f[:0:0], f[3:]...), " "))
		}
	}
	return strings.Join(keep, "\n")
}
