//go:build linux

package guest

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/lvslab/lvslab/vm/proto"
)

// sinceKernelStart is the guest's CLOCK_BOOTTIME.
func sinceKernelStart() time.Duration {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts) != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// mark notes that /init reached phase now.
func (g *guest) mark(phase string) {
	if len(g.timings) < proto.MaxTimings {
		g.timings = append(g.timings, proto.Timing{Phase: phase, At: sinceKernelStart()})
	}
}

// sendTimings sends the phases marked so far to the host, led by the moment the kernel ran /init, as its
// log says.
func (g *guest) sendTimings() error {
	ts := g.timings
	if at, ok := kernelRanInit(); ok && (len(ts) == 0 || at <= ts[0].At) && len(ts) < proto.MaxTimings {
		ts = append([]proto.Timing{{Phase: proto.PhaseKernelRanInit, At: at}}, ts...)
	}
	data, err := json.Marshal(ts)
	if err != nil {
		return err
	}
	return g.fw.Send(proto.FrameTimings, data)
}

// kernelLogBound caps what is read of the kernel's log: Debian's buffer is 128 KiB, and the record sought is
// among the boot's first.
const kernelLogBound = 1 << 20

// kernelRanInit is when the kernel ran /init, from its own record ("Run /init as init process", at the
// level the console's loglevel hides but the log keeps): the moment a bare boot is timed by, before Go's
// runtime and lvslab's packages start in /init.
func kernelRanInit() (time.Duration, bool) {
	size, err := unix.Klogctl(unix.SYSLOG_ACTION_SIZE_BUFFER, nil)
	if err != nil || size <= 0 {
		return 0, false
	}
	buf := make([]byte, min(size, kernelLogBound))
	n, err := unix.Klogctl(unix.SYSLOG_ACTION_READ_ALL, buf)
	if err != nil {
		return 0, false
	}
	return ranInitIn(buf[:n])
}

// ranInitIn finds the record of /init's start in the kernel's log as syslog(2) gives it, a line a record,
// each "<level>[seconds.micros] message".
func ranInitIn(log []byte) (time.Duration, bool) {
	for line := range bytes.Lines(log) {
		open, end := bytes.IndexByte(line, '['), bytes.IndexByte(line, ']')
		// After the time, a kernel with CONFIG_PRINTK_CALLER says who logged it: "[    T1] Run /init ...".
		if open < 0 || end < open || !bytes.Contains(line[end+1:], []byte(" Run /init as init process")) {
			continue
		}
		secs, err := strconv.ParseFloat(string(bytes.TrimSpace(line[open+1:end])), 64)
		if err != nil || !(secs >= 0 && secs <= 3600) { // NaN fails both
			return 0, false
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	return 0, false
}
