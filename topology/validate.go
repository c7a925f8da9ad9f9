package topology

import (
	"fmt"
	"slices"
	"strings"
)

// Validate checks a topology built in Go; Parse runs the same checks on a file. It returns Errors naming
// every problem's field, or nil.
func Validate(t *Topology) error {
	p := &problems{}
	validate(t, p)
	return p.err()
}

func validate(t *Topology, p *problems) {
	v := &validator{t: t, problems: p}
	v.lab()
	v.networks()
	v.hosts()
	v.networkPorts()
	v.addresses()
	v.ipvs()
}

type validator struct {
	t *Topology
	*problems
}

func (v *validator) lab() {
	if err := ValidateName(v.t.Name); err != nil {
		v.add("name", "%v", err)
	}
	if len(v.t.Networks) == 0 {
		v.add("networks", "at least one network is required, such as bridged: {subnet: 192.168.0.0/24}")
	}
	if len(v.t.Hosts) == 0 {
		v.add("hosts", "at least one host is required, such as client: {interfaces: [{network: bridged, address: 192.168.0.100}]}")
	}
	if len(v.t.Hosts) > MaxHosts {
		v.add("hosts", "%d hosts; a lab has at most %d (each is a network namespace with its own processes)", len(v.t.Hosts), MaxHosts)
	}
	if len(v.t.Networks) > MaxNetworks {
		v.add("networks", "%d networks; a lab has at most %d", len(v.t.Networks), MaxNetworks)
	}
}

// Bounds of a lab. A Linux bridge has at most 1023 ports (BR_MAX_PORTS, less port 0), one per interface
// on its network.
const (
	MaxHosts           = 1024
	MaxNetworks        = 100
	MaxPortsPerNetwork = 1023
)

// networkPorts reports a network with more interfaces than its bridge can take.
func (v *validator) networkPorts() {
	ports := map[string]int{}
	for _, h := range v.t.Hosts {
		for _, ifc := range h.Interfaces {
			ports[ifc.Network]++
		}
	}
	for i, n := range v.t.Networks {
		if ports[n.Name] > MaxPortsPerNetwork {
			v.add(namedField("networks", i, n.Name), "%d interfaces on network %s; its bridge takes at most %d: split the hosts over several networks", ports[n.Name], n.Name, MaxPortsPerNetwork)
		}
	}
}

func (v *validator) networks() {
	seen := map[string]bool{}
	for i, n := range v.t.Networks {
		field := namedField("networks", i, n.Name)
		v.name(field, "network", n.Name, seen)
		if !v.cidr(childField(field, "subnet"), n.Subnet, "192.168.0.0/24") {
			continue
		}
		for _, other := range v.t.Networks[:i] {
			if other.Subnet.IsValid() && other.Subnet.Overlaps(n.Subnet) {
				v.add(childField(field, "subnet"), "%s overlaps network %s (%s); lab networks must not overlap", n.Subnet, other.Name, other.Subnet)
				break
			}
		}
	}
}

func (v *validator) hosts() {
	seen := map[string]bool{}
	for i, h := range v.t.Hosts {
		field := namedField("hosts", i, h.Name)
		v.name(field, "host", h.Name, seen)
		if slices.Contains(reservedHostNames, h.Name) {
			v.add(field, "host name %q is reserved by lvslab; pick another", h.Name)
		}
		v.interfaces(h, field)
		if h.Gateway.IsValid() {
			v.nextHop(h, childField(field, "gateway"), h.Gateway, "gateway")
		}
		v.routes(h, childField(field, "routes"))
		v.sysctls(h, childField(field, "sysctls"))
		if h.HTTP != nil && h.HTTP.Port == 0 {
			v.add(childField(field, "http.port"), "port 0 is not allowed; allowed: 1 to 65535")
		}
		if h.HTTP != nil {
			if err := h.HTTP.Think.Check(); err != nil {
				v.add(childField(field, "http.think"), "%v", err)
			}
		}
		v.udp(h, childField(field, "udp"))
	}
}

// udp checks a host's UDP echo server: a port in range, and an interface for datagrams to arrive on.
func (v *validator) udp(h *Host, field string) {
	switch {
	case h.UDP == nil:
	case h.UDP.Port == 0:
		v.add(childField(field, "port"), "port 0 is not allowed; allowed: 1 to 65535")
	case len(h.Interfaces) == 0:
		v.add(field, "host %s has a UDP server but no interfaces for datagrams to reach it; add an interface or drop udp", h.Name)
	}
}

func (v *validator) interfaces(h *Host, hostField string) {
	field := childField(hostField, "interfaces")
	if len(h.Interfaces) == 0 {
		v.add(field, "host %s has no interfaces; add one such as {network: NAME, address: ADDRESS}%s", h.Name, listOf("networks", v.networkNames()))
		return
	}
	seen := map[string]bool{}
	for i, ifc := range h.Interfaces {
		ifield := itemField(field, i)
		if msg := interfaceNameProblem(ifc.Name); msg != "" {
			v.add(childField(ifield, "name"), "%s", msg)
		} else if seen[ifc.Name] {
			v.add(childField(ifield, "name"), "host %s already has an interface named %q", h.Name, ifc.Name)
		}
		seen[ifc.Name] = true
		if ifc.Network == "" {
			v.add(childField(ifield, "network"), "network is required%s", listOf("networks", v.networkNames()))
		} else if v.t.Network(ifc.Network) == nil {
			v.add(childField(ifield, "network"), "%s", unknown("network", ifc.Network, v.networkNames()))
		}
		if err := ifc.Shape.Check(); err != nil {
			v.add(childField(ifield, "shape"), "%v", err)
		}
	}
}

func (v *validator) routes(h *Host, field string) {
	for i, r := range h.Routes {
		rfield := itemField(field, i)
		v.cidr(childField(rfield, "to"), r.To, "10.0.0.0/8")
		if !r.Via.IsValid() {
			v.add(childField(rfield, "via"), "via is required: the address of the host that forwards this route")
			continue
		}
		v.nextHop(h, childField(rfield, "via"), r.Via, "route via")
	}
}

func (v *validator) sysctls(h *Host, field string) {
	seen := map[string]bool{}
	for _, s := range h.Sysctls {
		sfield := childField(field, s.Key)
		switch {
		case sysctlKeyProblem(s.Key) != "":
			v.add(sfield, "%s", sysctlKeyProblem(s.Key))
		case seen[s.Key]:
			v.add(sfield, "sysctl %s is set twice", s.Key)
		case s.Value == "":
			v.add(sfield, "sysctl %s needs a value, such as 1", s.Key)
		case len(s.Value) > maxSysctlValue:
			v.add(sfield, "sysctl %s: the value is %d bytes long; at most %d", s.Key, len(s.Value), maxSysctlValue)
		case strings.ContainsFunc(s.Value, func(r rune) bool { return r < ' ' || r == 0x7f }):
			v.add(sfield, "sysctl %s: value %q must be one line without control characters", s.Key, Clip(s.Value, 40))
		}
		seen[s.Key] = true
	}
}

// name reports an empty, malformed or repeated name. A file cannot repeat one (the YAML layer reports duplicate
// keys), a model built in Go can.
func (v *validator) name(field, what, name string, seen map[string]bool) {
	switch {
	case name == "":
		v.add(field, "%s name is required: %s", what, nameRule)
	case nameProblem(name) != "":
		v.add(field, "%s", nameProblem(name))
	case seen[name]:
		v.add(field, "duplicate %s %q", what, name)
	}
	seen[name] = true
}

// namedField is the path of a named list element: hosts.rs1, or hosts[3] when the name is empty.
func namedField(list string, i int, name string) string {
	if name == "" {
		return itemField(list, i)
	}
	return childField(list, name)
}

func (v *validator) networkNames() []string {
	var out []string
	for _, n := range v.t.Networks {
		out = append(out, n.Name)
	}
	return out
}

func (v *validator) hostNames() []string {
	var out []string
	for _, h := range v.t.Hosts {
		out = append(out, h.Name)
	}
	return out
}

// unknown says that a name matches none of the known ones, and lists those.
func unknown(what, name string, known []string) string {
	return fmt.Sprintf("unknown %s %q%s%s", what, name, listOf(what+"s", known), didYouMean(name, known))
}

// listOf gives "; hosts: a, b" for a message that says which names there are, or "" when there are none.
func listOf(title string, names []string) string {
	if len(names) == 0 {
		return ""
	}
	return "; " + title + ": " + strings.Join(names, ", ")
}
