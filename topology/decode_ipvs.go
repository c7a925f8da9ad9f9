package topology

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/lvslab/lvslab/topology/ipvsadm"
)

var (
	ipvsFields    = []string{"on", "derive", "marks", "services", "rules"}
	markFields    = []string{"mark", "protocol", "address", "ports"}
	serviceFields = []string{"protocol", "address", "fwmark", "scheduler", "persistent", "netmask", "sched-flags", "ops", "servers"}
	serverFields  = []string{"address", "method", "weight", "upper", "lower"}

	// The words of the structured form and the ipvsadm options they stand for, in the order messages list them.
	protocolOptions = [][2]string{{"tcp", "-t"}, {"udp", "-u"}, {"sctp", "--sctp-service"}}
	methodOptions   = [][2]string{{"nat", "-m"}, {"dr", "-g"}, {"tun", "-i"}}
)

// ipvs reads the load balancer. Structured services are written as ipvsadm rules and applied before the
// rules text, so both forms reach the model through ipvsadm.Table.Apply alone.
func (d *decoder) ipvs(n *yaml.Node) *IPVS {
	if isNull(resolve(n)) {
		return nil
	}
	f := d.fields(n, "ipvs", ipvsFields...)
	x := &IPVS{Derive: true}
	if v := f["on"]; v != nil {
		x.On = d.str(v, "ipvs.on")
	}
	if v := f["derive"]; v != nil {
		if b, ok := d.boolean(v, "ipvs.derive"); ok {
			x.Derive = b
		}
	}
	for i, item := range d.items(f["marks"], "ipvs.marks", "marks") {
		if m, ok := d.mark(item, itemField("ipvs.marks", i)); ok {
			x.Marks = append(x.Marks, m)
		}
	}
	tbl := &ipvsadm.Table{}
	for i, item := range d.items(f["services"], "ipvs.services", "services") {
		d.service(tbl, item, itemField("ipvs.services", i))
	}
	if v := f["rules"]; v != nil {
		d.rules(tbl, v, "ipvs.rules")
	}
	x.Services = tbl.Services
	return x
}

func (d *decoder) service(tbl *ipvsadm.Table, n *yaml.Node, path string) {
	f := d.fields(n, path, serviceFields...)
	key, ok := d.serviceKey(f, path)
	if !ok {
		return
	}
	add := ruleLine{}
	add.add(path, "-A")
	add.append(key)
	d.option(&add, f["scheduler"], childField(path, "scheduler"), "-s")
	d.persistence(&add, f["persistent"], childField(path, "persistent"))
	d.option(&add, f["netmask"], childField(path, "netmask"), "-M")
	d.schedFlags(&add, f["sched-flags"], childField(path, "sched-flags"))
	if v := f["ops"]; v != nil {
		if on, _ := d.boolean(v, childField(path, "ops")); on {
			add.add(childField(path, "ops"), "-o")
		}
	}
	d.applyLine(tbl, add, "real server")
	for i, item := range d.items(f["servers"], childField(path, "servers"), "real servers") {
		if server, ok := d.server(item, itemField(childField(path, "servers"), i), key); ok {
			d.applyLine(tbl, server, "real server")
		}
	}
}

// serviceKey gives the words naming the service: "-t 192.168.0.75:80" or "-f 1".
func (d *decoder) serviceKey(f map[string]*yaml.Node, path string) (ruleLine, bool) {
	var key ruleLine
	if v := f["fwmark"]; v != nil {
		if f["protocol"] != nil || f["address"] != nil {
			d.add(childField(path, "fwmark"), "give either fwmark or protocol and address, not both")
			return key, false
		}
		d.option(&key, v, childField(path, "fwmark"), "-f")
		return key, len(key.words) > 0
	}
	flag := "-t"
	if v := f["protocol"]; v != nil {
		if flag = d.choose(v, childField(path, "protocol"), "protocol", protocolOptions); flag == "" {
			return key, false
		}
	}
	if f["address"] == nil {
		d.add(path, "a service needs an address such as 192.168.0.75:80 (with a protocol, tcp by default) or an fwmark")
		return key, false
	}
	d.option(&key, f["address"], childField(path, "address"), flag)
	return key, len(key.words) > 0
}

func (d *decoder) server(n *yaml.Node, path string, key ruleLine) (ruleLine, bool) {
	f := d.fields(n, path, serverFields...)
	r := ruleLine{}
	r.add(path, "-a")
	r.append(key)
	if f["address"] == nil {
		d.add(path, "a real server needs an address such as 172.16.0.45:80")
		return r, false
	}
	d.option(&r, f["address"], childField(path, "address"), "-r")
	if v := f["method"]; v != nil {
		flag := d.choose(v, childField(path, "method"), "method", methodOptions)
		if flag == "" {
			return r, false
		}
		r.add(childField(path, "method"), flag)
	}
	d.option(&r, f["weight"], childField(path, "weight"), "-w")
	d.option(&r, f["upper"], childField(path, "upper"), "-x")
	d.option(&r, f["lower"], childField(path, "lower"), "-y")
	return r, true
}

// persistence is "-p SECONDS"; true means ipvsadm's default timeout and false none.
func (d *decoder) persistence(r *ruleLine, n *yaml.Node, path string) {
	if n == nil {
		return
	}
	if n.Tag == "!!bool" {
		if on, _ := d.boolean(n, path); on {
			r.add(path, "-p", strconv.Itoa(ipvsadm.DefaultPersistence))
		}
		return
	}
	d.option(r, n, path, "-p")
}

// schedFlags is "-b a,b" from a list of flags or one flag.
func (d *decoder) schedFlags(r *ruleLine, n *yaml.Node, path string) {
	if n == nil {
		return
	}
	if resolve(n).Kind != yaml.SequenceNode {
		d.option(r, n, path, "-b")
		return
	}
	var flags []string
	for i, item := range d.items(n, path, "scheduler flags") {
		if w, ok := d.word(item, itemField(path, i)); ok {
			flags = append(flags, w)
		}
	}
	if len(flags) > 0 {
		r.add(path, "-b", strings.Join(flags, ","))
	}
}

// option adds "FLAG VALUE" when the field is given.
func (d *decoder) option(r *ruleLine, n *yaml.Node, path, flag string) {
	if n == nil {
		return
	}
	if w, ok := d.word(n, path); ok {
		r.add(path, flag, w)
	}
}

// choose maps a word of the structured form to its ipvsadm option, or reports it with the allowed words.
func (d *decoder) choose(n *yaml.Node, path, what string, options [][2]string) string {
	w, ok := d.word(n, path)
	if !ok {
		return ""
	}
	var allowed []string
	for _, o := range options {
		if o[0] == w {
			return o[1]
		}
		allowed = append(allowed, o[0])
	}
	d.addAt(n.Line, n.Column, path, "unknown %s %q; allowed: %s%s", what, w, strings.Join(allowed, ", "), didYouMean(w, allowed))
	return ""
}

// word reads a scalar that becomes one word of an ipvsadm rule.
func (d *decoder) word(n *yaml.Node, path string) (string, bool) {
	s, ok := d.scalar(n, path, "a value")
	if !ok {
		return "", false
	}
	if s == "" || strings.ContainsAny(s, " \t\r\n") {
		d.addAt(n.Line, n.Column, path, "expected a single word, found %q", s)
		return "", false
	}
	return s, true
}

// mark reads one firewall-mark rule: {mark: 1, protocol: tcp, address: 192.168.0.75, ports: [80, 443]}.
func (d *decoder) mark(n *yaml.Node, path string) (FWMark, bool) {
	f := d.fields(n, path, markFields...)
	m := FWMark{Protocol: ipvsadm.TCP}
	ok := true
	if v := f["mark"]; v != nil {
		mark, good := d.integer(v, childField(path, "mark"), 1, 1<<32-1)
		m.Mark, ok = uint32(mark), ok && good
	} else {
		d.add(path, "a mark rule needs the mark to set, such as mark: 1 (the -f of its service)")
		ok = false
	}
	if v := f["protocol"]; v != nil {
		switch d.choose(v, childField(path, "protocol"), "protocol", protocolOptions[:2]) {
		case "-u":
			m.Protocol = ipvsadm.UDP
		case "":
			ok = false
		}
	}
	if v := f["address"]; v != nil {
		m.Addr = d.addr(v, childField(path, "address"), "192.168.0.75")
		ok = ok && m.Addr.IsValid()
	} else {
		d.add(path, "a mark rule needs the address whose packets it marks, such as address: 192.168.0.75")
		ok = false
	}
	for i, item := range d.items(f["ports"], childField(path, "ports"), "ports") {
		if port, good := d.integer(item, itemField(childField(path, "ports"), i), 1, 65535); good {
			m.Ports = append(m.Ports, uint16(port))
		} else {
			ok = false
		}
	}
	if f["ports"] == nil {
		d.add(path, "a mark rule needs the ports it marks, such as ports: [80, 443]")
		ok = false
	}
	return m, ok
}
