package ipvsadm

import (
	"math"
	"net/netip"
	"slices"
	"strings"
)

// maxTimeout is ipvsadm's MAX_TIMEOUT for -p: 31 days.
const maxTimeout = 86400 * 31

// usage lists the options a command takes (besides the command itself) and how to write them.
type usage struct {
	opts []optID
	text string
}

const svcUsage = "-t|-u|--sctp-service host:port | -f mark [-6]"

var (
	serviceUsage = usage{
		[]optID{optService, optIPv6, optScheduler, optPersistent, optNetmask, optOnePacket, optPE, optSchedFlags},
		svcUsage + " [-s scheduler] [-p [timeout]] [-M netmask] [-o] [--pe engine] [-b sched-flags]",
	}
	destUsage = usage{
		[]optID{optService, optIPv6, optServer, optMethod, optWeight, optUThreshold, optLThreshold,
			optTunType, optTunPort, optTunChecksum},
		svcUsage + " -r host[:port] [-g|-i|-m] [-w weight] [-x uthreshold] [-y lthreshold]" +
			" [--tun-type ipip|gue|gre] [--tun-port port] [--tun-nocsum|--tun-csum|--tun-remcsum]",
	}
	usages = map[Op]usage{
		OpAddService: serviceUsage, OpEditService: serviceUsage,
		OpDeleteService: {[]optID{optService, optIPv6}, svcUsage},
		OpClear:         {nil, "(no options)"},
		OpAddDest:       destUsage, OpEditDest: destUsage,
		OpDeleteDest: {[]optID{optService, optIPv6, optServer}, svcUsage + " -r host[:port]"},
	}
)

// ParseRule parses one ipvsadm rule line, as a learner types it (optionally after the word ipvsadm) or as
// ipvsadm -S -n prints it. The Command has ipvsadm's defaults filled in. Host names and port names other
// than http, https and http-alt are not understood. The error is a *SyntaxError.
func ParseRule(line string) (Command, error) {
	c, err := parseRule(line)
	if err != nil {
		return Command{}, err
	}
	return c, nil
}

// ParseRules parses every rule of a text, one a line, skipping blank lines and lines starting with '#'. It
// returns the commands of the good lines and an error for each bad one.
func ParseRules(text string) ([]Command, []*RuleError) {
	var cmds []Command
	var errs []*RuleError
	for i, line := range strings.Split(text, "\n") {
		if len(fields(line)) == 0 {
			continue
		}
		c, err := parseRule(line)
		if err != nil {
			errs = append(errs, &RuleError{Line: i + 1, SyntaxError: err})
			continue
		}
		cmds = append(cmds, c)
	}
	return cmds, errs
}

// rule is a line's options by what they set, after the checks that need no values.
type rule struct {
	op   Op
	cmd  *item
	opts [numOpts]*item
}

func parseRule(line string) (Command, *SyntaxError) {
	toks := fields(line)
	if len(toks) > 0 && (toks[0].text == "ipvsadm" || strings.HasSuffix(toks[0].text, "/ipvsadm")) {
		toks = toks[1:]
	}
	items, err := lex(toks)
	if err != nil {
		return Command{}, err
	}
	if len(items) == 0 {
		return Command{}, &SyntaxError{Offset: len(line), Msg: "empty rule: give one of -A -E -D -C -a -e -d"}
	}
	r, err := collect(items)
	if err != nil {
		return Command{}, err
	}
	return r.command()
}

func collect(items []item) (*rule, *SyntaxError) {
	r := &rule{}
	for i := range items {
		it := &items[i]
		if it.spec.id == optCommand {
			if r.cmd != nil {
				return nil, errAt(it.name, "%s: a rule has one command, and %s came first", it.label, r.cmd.label)
			}
			r.cmd, r.op = it, Op(it.spec.val)
			continue
		}
		if prev := r.opts[it.spec.id]; prev != nil {
			if prev.spec == it.spec {
				return nil, errAt(it.name, "%s given twice", it.label)
			}
			return nil, errAt(it.name, "%s conflicts with %s: give only one", it.label, prev.label)
		}
		r.opts[it.spec.id] = it
	}
	if r.cmd == nil {
		return nil, errAt(items[0].name, "no command: a rule needs one of -A -E -D -C -a -e -d")
	}
	u := usages[r.op]
	for _, it := range items {
		if it.spec.id != optCommand && !slices.Contains(u.opts, it.spec.id) {
			return nil, errAt(it.name, "%s is not allowed with %s (usage: %s %s)", it.label, r.cmd.label, r.op, u.text)
		}
	}
	if r.op != OpClear && r.opts[optService] == nil {
		return nil, errAt(r.cmd.name, "missing service: give -t, -u, --sctp-service or -f")
	}
	if slices.Contains(u.opts, optServer) && r.opts[optServer] == nil {
		return nil, errAt(r.cmd.name, "%s needs -r server-address", r.cmd.label)
	}
	return r, nil
}

func (r *rule) command() (Command, *SyntaxError) {
	c := Command{Op: r.op}
	var err *SyntaxError
	switch r.op {
	case OpClear:
		return c, nil
	case OpAddService, OpEditService:
		err = r.service(&c.Service)
	case OpDeleteService:
		err = r.key(&c.Service.ServiceKey)
	default:
		if err = r.key(&c.Service.ServiceKey); err == nil {
			err = r.dest(c.Service.ServiceKey, &c.Dest)
		}
	}
	if err != nil {
		return Command{}, err
	}
	return c, nil
}

func (r *rule) key(k *ServiceKey) *SyntaxError {
	it, six := r.opts[optService], r.opts[optIPv6]
	if it.spec.val == 0 { // -f names no protocol
		mark, err := parseNum(it.val, "fwmark", 1, math.MaxUint32)
		k.FWMark, k.IPv6 = uint32(mark), six != nil
		return err
	}
	if six != nil {
		return errAt(six.name, "%s is only for fwmark services (-f); write an IPv6 service as [addr]:port", six.label)
	}
	ap, _, err := parseAddrPort(it.val, "service address")
	k.Protocol, k.Addr = Protocol(it.spec.val), ap
	return err
}

// service reads the settings of -A and -E; what is not given is at ipvsadm's default.
func (r *rule) service(s *Service) *SyntaxError {
	if err := r.key(&s.ServiceKey); err != nil {
		return err
	}
	var err *SyntaxError
	if s.Scheduler, err = r.name(optScheduler, DefaultScheduler, schedulerProblem); err != nil {
		return err
	}
	if it := r.opts[optPersistent]; it != nil {
		s.Persistent, s.Timeout = true, DefaultPersistence
		if it.hasVal {
			n, err := parseNum(it.val, "persistence timeout", 1, maxTimeout)
			if err != nil {
				return err
			}
			s.Timeout = uint32(n)
		}
	}
	if svc := r.opts[optService].val; !s.IsFWMark() && s.Addr.Port() == 0 && !s.Persistent {
		return errAt(svc, "service %s has port 0: give host:port (only a persistent service, -p, may have port 0)", svc.text)
	}
	if it := r.opts[optNetmask]; it != nil {
		m, err := parseNetmask(it.val, s.is6())
		if err != nil {
			return err
		}
		if s.Persistent && !isFullMask(m) { // the mask only matters to persistence, and -S prints it only then
			s.Netmask = m
		}
	}
	if it := r.opts[optOnePacket]; it != nil {
		if !s.IsFWMark() && s.Protocol != UDP {
			return errAt(it.name, "%s is only for UDP and fwmark services", it.label)
		}
		s.OnePacket = true
	}
	if s.PE, err = r.name(optPE, "", peProblem); err != nil {
		return err
	}
	if it := r.opts[optSchedFlags]; it != nil {
		flags, err := parseSchedFlags(it.val, s.Scheduler)
		if err != nil {
			return err
		}
		s.SchedFlags = flags
	}
	return nil
}

// name returns the value of -s or --pe if the kernel knows it, or def when the option is absent.
func (r *rule) name(id optID, def string, problem func(string) string) (string, *SyntaxError) {
	it := r.opts[id]
	if it == nil {
		return def, nil
	}
	if msg := problem(it.val.text); msg != "" {
		return "", errAt(it.val, "%s", msg)
	}
	return it.val.text, nil
}

// dest reads the real server of -a, -e and -d; what -a and -e do not give is at ipvsadm's default.
func (r *rule) dest(k ServiceKey, d *Dest) *SyntaxError {
	rs := r.opts[optServer]
	ap, hasPort, err := parseAddrPort(rs.val, "real server")
	if err != nil {
		return err
	}
	if !hasPort {
		ap = netip.AddrPortFrom(ap.Addr(), k.Addr.Port())
	}
	d.Addr = ap
	if r.op == OpDeleteDest {
		return nil
	}
	d.Method, d.Weight = Route, 1
	if it := r.opts[optMethod]; it != nil {
		d.Method = Method(it.spec.val)
	}
	if !k.IsFWMark() && d.Method != Masq { // only NAT can map ports; ipvsadm forces the service port silently
		d.Addr = netip.AddrPortFrom(ap.Addr(), k.Addr.Port())
	}
	if msg := familyProblem(k, d); msg != "" {
		return errAt(rs.val, "%s", msg)
	}
	for _, n := range []struct {
		id   optID
		what string
		max  uint64
		set  func(uint64)
	}{
		{optWeight, "weight", 65535, func(v uint64) { d.Weight = int(v) }},
		{optUThreshold, "upper threshold", math.MaxInt32, func(v uint64) { d.UThreshold = uint32(v) }},
		{optLThreshold, "lower threshold", math.MaxInt32, func(v uint64) { d.LThreshold = uint32(v) }},
	} {
		if it := r.opts[n.id]; it != nil {
			v, err := parseNum(it.val, n.what, 0, n.max)
			if err != nil {
				return err
			}
			n.set(v)
		}
	}
	return r.tunnel(d)
}

// tunnel reads the --tun-* options, allowed only with -i and per tunnel type as ipvsadm's
// tunnel_types_v_options table says.
func (r *rule) tunnel(d *Dest) *SyntaxError {
	typ, port, csum := r.opts[optTunType], r.opts[optTunPort], r.opts[optTunChecksum]
	if d.Method != Tunnel {
		for _, it := range []*item{typ, port, csum} {
			if it != nil {
				return errAt(it.name, "%s needs -i: tunnel options are only for tunnelling servers", it.label)
			}
		}
		return nil
	}
	d.Tunnel.Type = "ipip"
	if typ != nil {
		if !slices.Contains(tunnelTypes, typ.val.text) {
			return errAt(typ.val, "unknown tunnel type %q; allowed: ipip gue gre", typ.val.text)
		}
		d.Tunnel.Type = typ.val.text
	}
	gue := d.Tunnel.Type == "gue"
	switch {
	case port != nil && !gue:
		return errAt(port.name, "%s is only for --tun-type gue", port.label)
	case port == nil && gue:
		return errAt(typ.val, "--tun-type gue needs --tun-port port")
	case csum != nil && d.Tunnel.Type == "ipip":
		return errAt(csum.name, "%s is only for --tun-type gue or gre", csum.label)
	case csum != nil && csum.spec.val == 2 && !gue:
		return errAt(csum.name, "%s is only for --tun-type gue", csum.label)
	}
	if port != nil {
		n, err := parseNum(port.val, "tunnel port", 1, 65535)
		if err != nil {
			return err
		}
		d.Tunnel.Port = uint16(n)
	}
	if d.Tunnel.Type != "ipip" {
		d.Tunnel.Checksum = checksumNames[0]
		if csum != nil {
			d.Tunnel.Checksum = checksumNames[csum.spec.val]
		}
	}
	return nil
}
