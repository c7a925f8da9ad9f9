//go:build linux

package guest

import (
	"encoding/json"
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

// sendTimings sends the phases marked so far to the host.
func (g *guest) sendTimings() error {
	data, err := json.Marshal(g.timings)
	if err != nil {
		return err
	}
	return g.fw.Send(proto.FrameTimings, data)
}
