package lab

import (
	"fmt"
	"strings"

	"github.com/lvslab/lvslab/topology"
)

// ipScript is a topology built the way tutorials do it, one `ip` command per step, as a shell script that
// takes up|down and a namespace prefix: the same namespaces, bridges, veths, addresses, routes and sysctls
// as lvslab builds, but no HTTP servers (lvslab's timing includes them) and no IPVS. make bench times it
// against lvslab's Up and Down.
func ipScript(t *topology.Topology) string {
	var b strings.Builder
	b.WriteString("set -e\np=$2\n")
	b.WriteString("if [ \"$1\" = down ]; then\n\tip netns del \"$p-switch\"\n")
	for _, h := range t.Hosts {
		fmt.Fprintf(&b, "\tip netns del \"$p-%s\"\n", h.Name)
	}
	b.WriteString("\texit 0\nfi\nip netns add \"$p-switch\"\n")
	bridge := map[string]int{}
	for i, n := range t.Networks {
		bridge[n.Name] = i
		fmt.Fprintf(&b, "ip -n \"$p-switch\" link add br%d type bridge\nip -n \"$p-switch\" link set br%d up\n", i, i)
	}
	port := 0
	for _, h := range t.Hosts {
		ns := "\"$p-" + h.Name + "\""
		fmt.Fprintf(&b, "ip netns add %s\nip -n %s link set lo up\n", ns, ns)
		for i, ifc := range h.Interfaces {
			port++
			name := ifc.Name
			if name == "" {
				name = fmt.Sprintf("eth%d", i)
			}
			fmt.Fprintf(&b, "ip -n \"$p-switch\" link add p%d type veth peer name %s netns %s\n", port, name, ns)
			fmt.Fprintf(&b, "ip -n \"$p-switch\" link set p%d master br%d up\n", port, bridge[ifc.Network])
			fmt.Fprintf(&b, "ip -n %s addr add %s dev %s\nip -n %s link set %s up\n", ns, ifc.Address, name, ns, name)
		}
		fmt.Fprintf(&b, "ip netns exec %s sysctl -qw net.ipv4.ip_local_port_range=\"1024 65535\"\n", ns)
		for _, s := range h.Sysctls {
			fmt.Fprintf(&b, "ip netns exec %s sysctl -qw %s=%s\n", ns, s.Key, s.Value)
		}
		if h.Gateway.IsValid() {
			fmt.Fprintf(&b, "ip -n %s route add default via %s\n", ns, h.Gateway)
		}
	}
	return b.String()
}
