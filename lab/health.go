package lab

import (
	"errors"
	"fmt"
	"os"
)

// Problems lists what is missing from a lab that should be up: namespaces gone, the server process
// stopped, a bring-up that never finished. An empty list means the lab is whole.
func (l *Lab) Problems() []string {
	var out []string
	if l.state.Phase != phaseUp {
		out = append(out, fmt.Sprintf("the lab is %s, not up: lvslab was stopped part-way; run lvslab down %s", l.state.Phase, l.Name))
	}
	for _, ns := range l.state.Namespaces {
		if _, err := inode(netnsPath(ns.Name)); errors.Is(err, os.ErrNotExist) {
			out = append(out, "namespace "+ns.Name+" is gone")
		}
	}
	if l.state.Server != nil && !l.state.Server.running() {
		out = append(out, fmt.Sprintf("the HTTP server process (pid %d) is not running; see %s", l.state.Server.PID, logPath(l.dir, l.Name)))
	}
	return out
}
