package realserver

// What a fault does to a real server's servers (lvslab fault HOST ACTION).
const (
	Stop   = "stop"   // close its sockets, as its process's death would
	Start  = "start"  // open them again after a stop
	Hang   = "hang"   // take and answer nothing more, as a frozen process
	Resume = "resume" // go on after a hang
)

// States of a real server's servers, as Stats reports them.
const (
	Serving = "serving"
	Stopped = "stopped"
	Hung    = "hung"
)

// Actions are the faults, in the order help lists them.
var Actions = []string{Stop, Start, Hang, Resume}
