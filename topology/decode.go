package topology

import (
	"fmt"
	"net/netip"
	"strings"

	"go.yaml.in/yaml/v3"
)

var (
	topologyFields  = []string{"name", "networks", "hosts", "ipvs"}
	networkFields   = []string{"subnet"}
	hostFields      = []string{"interfaces", "gateway", "routes", "sysctls", "http", "udp"}
	interfaceFields = []string{"name", "network", "address", "shape"}
	routeFields     = []string{"to", "via"}
	httpFields      = []string{"port", "body", "think", "fail"}
	udpFields       = []string{"port"}
)

// DefaultHTTPPort is the port of a host's web server when its http section gives none.
const DefaultHTTPPort = 80

// DefaultUDPPort is the port of a host's UDP echo server when its udp section gives none (DNS's).
const DefaultUDPPort = 53

// topology returns nil when the file is not a mapping at all: nothing else can be said of it then.
func (d *decoder) topology(root *yaml.Node) *Topology {
	d.at[""] = root
	if root.Kind != yaml.MappingNode {
		d.mismatch(root, "", "a mapping of "+strings.Join(topologyFields, ", "))
		return nil
	}
	f := d.fields(root, "", topologyFields...)
	t := &Topology{}
	if n := f["name"]; n != nil {
		t.Name = d.str(n, "name")
	}
	t.Networks = d.networks(f["networks"])
	t.Hosts = d.hosts(f["hosts"], t)
	if n := f["ipvs"]; n != nil {
		t.IPVS = d.ipvs(n)
	}
	return t
}

func (d *decoder) networks(n *yaml.Node) []*Network {
	var out []*Network
	for _, e := range d.entries(n, "networks", "network") {
		path := childField("networks", e.name)
		net := &Network{Name: e.name}
		if v := d.fields(e.val, path, networkFields...)["subnet"]; v != nil {
			net.Subnet = d.prefix(v, childField(path, "subnet"), "192.168.0.0/24")
		}
		out = append(out, net)
	}
	return out
}

// hosts needs the networks already read: an address written without a prefix length takes its network's.
func (d *decoder) hosts(n *yaml.Node, t *Topology) []*Host {
	var out []*Host
	for _, e := range d.entries(n, "hosts", "host") {
		path := childField("hosts", e.name)
		h := &Host{Name: e.name}
		f := d.fields(e.val, path, hostFields...)
		h.Interfaces = d.interfaces(f["interfaces"], childField(path, "interfaces"), t)
		if v := f["gateway"]; v != nil {
			h.Gateway = d.addr(v, childField(path, "gateway"), "172.16.0.10")
		}
		h.Routes = d.routes(f["routes"], childField(path, "routes"))
		h.Sysctls = d.sysctls(f["sysctls"], childField(path, "sysctls"))
		if v, ok := f["http"]; ok {
			h.HTTP = d.http(v, childField(path, "http"), h.Name)
		}
		if v, ok := f["udp"]; ok {
			h.UDP = d.udp(v, childField(path, "udp"))
		}
		out = append(out, h)
	}
	return out
}

func (d *decoder) interfaces(n *yaml.Node, path string, t *Topology) []*Interface {
	var out []*Interface
	for i, item := range d.items(n, path, "interfaces") {
		ipath := itemField(path, i)
		f := d.fields(item, ipath, interfaceFields...)
		ifc := &Interface{Name: fmt.Sprintf("eth%d", i)}
		if v := f["name"]; v != nil {
			ifc.Name = d.str(v, childField(ipath, "name"))
		}
		if v := f["network"]; v != nil {
			ifc.Network = d.str(v, childField(ipath, "network"))
		}
		if v := f["address"]; v != nil {
			ifc.Address = d.hostAddress(v, childField(ipath, "address"), t.Network(ifc.Network))
		}
		if v := f["shape"]; v != nil {
			ifc.Shape = d.shape(v, childField(ipath, "shape"))
		}
		out = append(out, ifc)
	}
	return out
}

// shape reads an interface's shaping: {delay: 50ms, jitter: 10ms, loss: 1%, rate: 10mbit, …}.
func (d *decoder) shape(n *yaml.Node, path string) Shape {
	var s Shape
	f := d.fields(n, path, ShapeSettings...)
	for _, name := range ShapeSettings {
		v := f[name]
		if v == nil {
			continue
		}
		text, ok := d.scalar(v, childField(path, name), "a value such as 50ms, 1% or 10mbit")
		if !ok {
			continue
		}
		if err := s.Set(name, text); err != nil {
			d.unreadable(v, childField(path, name), "%v", err)
		}
	}
	return s
}

// hostAddress reads "172.16.0.45/16" or "172.16.0.45"; the latter gets the network's prefix length (the full
// length when the network is unknown, which validation reports).
func (d *decoder) hostAddress(n *yaml.Node, path string, net *Network) netip.Prefix {
	s, ok := d.scalar(n, path, "an address such as 172.16.0.45/16")
	if !ok {
		return netip.Prefix{}
	}
	if a, err := netip.ParseAddr(s); err == nil {
		bits := a.BitLen()
		if net != nil && net.Subnet.IsValid() && net.Subnet.Addr().Is4() == a.Is4() {
			bits = net.Subnet.Bits()
		}
		return netip.PrefixFrom(a, bits)
	}
	return d.prefix(n, path, "172.16.0.45/16")
}

func (d *decoder) routes(n *yaml.Node, path string) []Route {
	var out []Route
	for i, item := range d.items(n, path, "routes") {
		rpath := itemField(path, i)
		f := d.fields(item, rpath, routeFields...)
		var r Route
		if v := f["to"]; v != nil {
			r.To = d.prefix(v, childField(rpath, "to"), "10.0.0.0/8")
		}
		if v := f["via"]; v != nil {
			r.Via = d.addr(v, childField(rpath, "via"), "172.16.0.10")
		}
		out = append(out, r)
	}
	return out
}

// sysctls reads values written as numbers, booleans (true is 1) or strings.
func (d *decoder) sysctls(n *yaml.Node, path string) []Sysctl {
	var out []Sysctl
	for _, e := range d.entries(n, path, "sysctl") {
		value, ok := d.scalar(e.val, childField(path, e.name), "a number, true/false or a string")
		if ok && e.val.Tag == "!!bool" {
			if b, _ := d.boolean(e.val, childField(path, e.name)); b {
				value = "1"
			} else {
				value = "0"
			}
		}
		out = append(out, Sysctl{Key: e.name, Value: value})
	}
	return out
}

func (d *decoder) http(n *yaml.Node, path, host string) *HTTPServer {
	s := &HTTPServer{Port: DefaultHTTPPort, Body: host}
	f := d.fields(n, path, httpFields...)
	if v := f["port"]; v != nil {
		if port, ok := d.integer(v, childField(path, "port"), 1, 65535); ok {
			s.Port = uint16(port)
		}
	}
	if v := f["body"]; v != nil {
		s.Body = d.str(v, childField(path, "body"))
	}
	d.parsed(f, path, "think", "a duration such as 50ms, or a range such as 20ms-80ms", func(text string) (err error) {
		s.Think, err = ParseThink(text)
		return err
	})
	d.parsed(f, path, "fail", "a per cent such as 10%", func(text string) (err error) {
		s.Fail, err = shapePercent(text)
		return err
	})
	return s
}

// parsed reads the scalar field name of f, if there, with parse; what parse finds wrong is said where the
// value stands, after the field's name and the value.
func (d *decoder) parsed(f map[string]*yaml.Node, path, name, expected string, parse func(string) error) {
	v := f[name]
	if v == nil {
		return
	}
	if text, ok := d.scalar(v, childField(path, name), expected); ok {
		if err := parse(text); err != nil {
			d.unreadable(v, childField(path, name), "%s %q: %v", name, text, err)
		}
	}
}

func (d *decoder) udp(n *yaml.Node, path string) *UDPServer {
	s := &UDPServer{Port: DefaultUDPPort}
	if v := d.fields(n, path, udpFields...)["port"]; v != nil {
		if port, ok := d.integer(v, childField(path, "port"), 1, 65535); ok {
			s.Port = uint16(port)
		}
	}
	return s
}
