package ipvsadm

import (
	"strings"

	"github.com/lvslab/lvslab/internal/spell"
)

// optID names what an option sets. Options sharing an optID exclude each other (-t and -u, -g and -m).
type optID int

const (
	optNotRule optID = iota // ipvsadm knows it, but it lists, saves or syncs: no place in a rule
	optCommand
	optService
	optIPv6
	optScheduler
	optPersistent
	optNetmask
	optOnePacket
	optPE
	optSchedFlags
	optServer
	optMethod
	optWeight
	optUThreshold
	optLThreshold
	optTunType
	optTunPort
	optTunChecksum
	numOpts
)

type argMode int

const (
	noArg argMode = iota
	needArg
	optionalArg
)

// optSpec is one ipvsadm 1.31 option.
type optSpec struct {
	short byte // 0 when the option has only a long name
	long  string
	id    optID
	arg   argMode
	meta  string // what the argument is, for "needs a ..." messages
	val   int    // the Op, Protocol, Method or checksum the option selects
}

var optSpecs = []*optSpec{
	{short: 'A', long: "add-service", id: optCommand, val: int(OpAddService)},
	{short: 'E', long: "edit-service", id: optCommand, val: int(OpEditService)},
	{short: 'D', long: "delete-service", id: optCommand, val: int(OpDeleteService)},
	{short: 'C', long: "clear", id: optCommand, val: int(OpClear)},
	{short: 'a', long: "add-server", id: optCommand, val: int(OpAddDest)},
	{short: 'e', long: "edit-server", id: optCommand, val: int(OpEditDest)},
	{short: 'd', long: "delete-server", id: optCommand, val: int(OpDeleteDest)},

	{short: 't', long: "tcp-service", id: optService, arg: needArg, meta: "service-address", val: int(TCP)},
	{short: 'u', long: "udp-service", id: optService, arg: needArg, meta: "service-address", val: int(UDP)},
	{long: "sctp-service", id: optService, arg: needArg, meta: "service-address", val: int(SCTP)},
	{short: 'f', long: "fwmark-service", id: optService, arg: needArg, meta: "fwmark"},
	{short: '6', long: "ipv6", id: optIPv6},

	{short: 's', long: "scheduler", id: optScheduler, arg: needArg, meta: "scheduler"},
	{short: 'p', long: "persistent", id: optPersistent, arg: optionalArg},
	{short: 'M', long: "netmask", id: optNetmask, arg: needArg, meta: "netmask"},
	{short: 'o', long: "ops", id: optOnePacket},
	{long: "pe", id: optPE, arg: needArg, meta: "persistence engine"},
	{short: 'b', long: "sched-flags", id: optSchedFlags, arg: needArg, meta: "list of scheduler flags"},

	{short: 'r', long: "real-server", id: optServer, arg: needArg, meta: "server-address"},
	{short: 'g', long: "gatewaying", id: optMethod, val: int(Route)},
	{short: 'i', long: "ipip", id: optMethod, val: int(Tunnel)},
	{short: 'm', long: "masquerading", id: optMethod, val: int(Masq)},
	{short: 'w', long: "weight", id: optWeight, arg: needArg, meta: "weight"},
	{short: 'x', long: "u-threshold", id: optUThreshold, arg: needArg, meta: "upper threshold"},
	{short: 'y', long: "l-threshold", id: optLThreshold, arg: needArg, meta: "lower threshold"},
	{long: "tun-type", id: optTunType, arg: needArg, meta: "tunnel type"},
	{long: "tun-port", id: optTunPort, arg: needArg, meta: "port"},
	{long: "tun-nocsum", id: optTunChecksum, val: 0},
	{long: "tun-csum", id: optTunChecksum, val: 1},
	{long: "tun-remcsum", id: optTunChecksum, val: 2},
}

// notRuleOptions are the other options of ipvsadm 1.31 (their id is optNotRule), named so that the error
// can say why they do not fit.
var notRuleOptions = []*optSpec{
	{short: 'L', long: "list"}, {short: 'l'}, {short: 'Z', long: "zero"}, {short: 'S', long: "save"},
	{short: 'R', long: "restore"}, {short: 'h', long: "help"}, {short: 'v', long: "version"},
	{short: 'n', long: "numeric"}, {short: 'c', long: "connection"}, {short: 'X', long: "exact"},
	{long: "set"}, {long: "start-daemon"}, {long: "stop-daemon"}, {long: "mcast-interface"},
	{long: "mcast-group"}, {long: "mcast-port"}, {long: "mcast-ttl"}, {long: "syncid"},
	{long: "sync-maxlen"}, {long: "timeout"}, {long: "daemon"}, {long: "stats"}, {long: "rate"},
	{long: "thresholds"}, {long: "persistent-conn"}, {long: "nosort"}, {long: "sort"}, {long: "tun-info"},
}

var checksumNames = []string{"nocsum", "csum", "remcsum"}

func findOpt(match func(*optSpec) bool) *optSpec {
	for _, list := range [][]*optSpec{optSpecs, notRuleOptions} {
		for _, o := range list {
			if match(o) {
				return o
			}
		}
	}
	return nil
}

func shortOpt(c byte) *optSpec { return findOpt(func(o *optSpec) bool { return o.short == c }) }
func longOpt(name string) *optSpec {
	return findOpt(func(o *optSpec) bool { return o.long != "" && o.long == name })
}

// suggestLong returns the rule option closest to a misspelt long name: one it begins, or one a typo or two
// away (one for short names). It returns "" when nothing is close.
func suggestLong(name string) string {
	best, bestDist := "", 2
	if len(name) >= 5 {
		bestDist = 3
	}
	for _, o := range optSpecs {
		d := spell.Distance(name, o.long)
		if len(name) >= 3 && strings.HasPrefix(o.long, name) {
			d = 1
		}
		if d < bestDist {
			best, bestDist = "--"+o.long, d
		}
	}
	return best
}
