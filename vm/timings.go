package vm

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Timing is a moment of the guest's boot: Phase reached At after the kernel started (the guest's
// CLOCK_BOOTTIME), as the guest's /init saw it.
type Timing struct {
	Phase string        `json:"phase"`
	At    time.Duration `json:"at_ns"`
}

// maxTimings bounds the timings frame: /init marks a handful of phases.
const (
	maxTimings      = 16
	maxTimingsBytes = 4 << 10
	maxTimingAt     = 30 * 24 * time.Hour // a machine that serves may live for weeks
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
	if len(g.timings) < maxTimings {
		g.timings = append(g.timings, Timing{Phase: phase, At: sinceKernelStart()})
	}
}

// sendTimings sends the phases marked so far to the host.
func (g *guest) sendTimings() error {
	data, err := json.Marshal(g.timings)
	if err != nil {
		return err
	}
	return g.fw.send(frameTimings, data)
}

// parseTimings reads the guest's timings frame, as untrusted data: at most maxTimings phases, each a
// short name and a time within an hour of the kernel's start, in order.
func parseTimings(payload []byte) ([]Timing, error) {
	var ts []Timing
	if err := json.Unmarshal(payload, &ts); err != nil {
		return nil, fmt.Errorf("the guest's timings: %w", err)
	}
	if len(ts) > maxTimings {
		return nil, fmt.Errorf("the guest's timings: %d phases, expected at most %d", len(ts), maxTimings)
	}
	for i, t := range ts {
		switch {
		case t.Phase == "" || len(t.Phase) > 40:
			return nil, fmt.Errorf("the guest's timings: phase %d named %q, expected a short name", i, t.Phase)
		case t.At < 0 || t.At > maxTimingAt:
			return nil, fmt.Errorf("the guest's timings: %s at %v, expected within %v of the kernel's start", t.Phase, t.At, maxTimingAt)
		case i > 0 && t.At < ts[i-1].At:
			return nil, fmt.Errorf("the guest's timings: %s at %v, before %s at %v", t.Phase, t.At, ts[i-1].Phase, ts[i-1].At)
		}
	}
	return ts, nil
}

// FormatTimings prints the guest's phases, each with its time from the kernel's start and the step from the
// one before: where a boot spends its time.
func FormatTimings(ts []Timing) string {
	var b strings.Builder
	var prev time.Duration
	for _, t := range ts {
		fmt.Fprintf(&b, "  %-22s %7.3f s  (+%.3f s)\n", t.Phase, t.At.Seconds(), (t.At - prev).Seconds())
		prev = t.At
	}
	return b.String()
}
