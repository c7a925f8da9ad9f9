package ipvsadm

import "fmt"

// Op is the command of a rule line.
type Op int

const (
	OpAddService    Op = iota + 1 // -A
	OpEditService                 // -E
	OpDeleteService               // -D
	OpClear                       // -C
	OpAddDest                     // -a
	OpEditDest                    // -e
	OpDeleteDest                  // -d
)

var opFlags = map[Op]string{
	OpAddService: "-A", OpEditService: "-E", OpDeleteService: "-D", OpClear: "-C",
	OpAddDest: "-a", OpEditDest: "-e", OpDeleteDest: "-d",
}

// String gives the short option: "-A", "-a", ...
func (o Op) String() string {
	if s, ok := opFlags[o]; ok {
		return s
	}
	return fmt.Sprintf("Op(%d)", int(o))
}

// Command is one parsed rule line, with ipvsadm's defaults filled in.
//
// Service names the service for every Op but OpClear. For -A and -E it also carries the settings, complete:
// what the line omitted is at ipvsadm's default (scheduler wlc, no persistence, no flags), because that is
// what ipvsadm sends. For -a and -e, Dest is the real server with every field set the same way (method
// Route, weight 1, no thresholds when omitted); for -d only Dest.Addr is meaningful.
type Command struct {
	Op      Op
	Service Service
	Dest    Dest
}

// String prints the command as a rule line in the style of ipvsadm -S -n. Unlike -S it keeps the
// thresholds of -a and -e (-x, -y), so that the line means exactly the command.
func (c Command) String() string {
	switch c.Op {
	case OpClear:
		return "-C"
	case OpDeleteService:
		return "-D " + c.Service.Option()
	case OpAddService, OpEditService:
		return c.Op.String() + " " + serviceRule(&c.Service)
	case OpDeleteDest:
		return "-d " + c.Service.Option() + " -r " + c.Dest.Addr.String()
	case OpAddDest, OpEditDest:
		return c.Op.String() + " " + destRule(c.Service.ServiceKey, &c.Dest) + thresholds(&c.Dest)
	}
	return c.Op.String()
}

func thresholds(d *Dest) string {
	s := ""
	if d.UThreshold != 0 {
		s += fmt.Sprintf(" -x %d", d.UThreshold)
	}
	if d.LThreshold != 0 {
		s += fmt.Sprintf(" -y %d", d.LThreshold)
	}
	return s
}
