//go:build linux

package lab

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
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
		out = append(out, fmt.Sprintf("the real servers' process (pid %d) is not running; %s; take the lab down and up again",
			l.state.Server.PID, logTail(logPath(l.dir, l.Name))))
	}
	return out
}

// logTail is the end of the servers' log, quoted where it is read: the log may live where the reader cannot
// look (in a microVM, when status is forwarded from the host).
func logTail(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return "it left no log"
	}
	defer f.Close()
	const most = 2 << 10
	if st, err := f.Stat(); err == nil && st.Size() > most {
		f.Seek(st.Size()-most, io.SeekStart)
	}
	data, _ := io.ReadAll(io.LimitReader(f, most))
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) == 1 && lines[0] == "" {
		return "its log is empty"
	}
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return "its log ends: " + strings.Join(lines, " | ")
}
