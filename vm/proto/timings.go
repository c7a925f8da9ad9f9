package proto

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Timing is a moment of the guest's boot: Phase reached At after the kernel started (the guest's
// CLOCK_BOOTTIME), as the guest's /init saw it.
type Timing struct {
	Phase string        `json:"phase"`
	At    time.Duration `json:"at_ns"`
}

// PhaseKernelRanInit is the first phase when the guest's kernel log tells it: the kernel ran /init, before
// Go's runtime and lvslab's packages started there (the phase "init" is /init's main).
const PhaseKernelRanInit = "kernel ran /init"

// MaxTimings bounds the timings frame: /init marks a handful of phases.
const (
	MaxTimings      = 16
	MaxTimingsBytes = 4 << 10
	maxTimingAt     = 30 * 24 * time.Hour // a machine that serves may live for weeks
)

// ParseTimings reads the guest's timings frame, as untrusted data: at most MaxTimings phases, each a
// short name and a time within an hour of the kernel's start, in order.
func ParseTimings(payload []byte) ([]Timing, error) {
	var ts []Timing
	if err := json.Unmarshal(payload, &ts); err != nil {
		return nil, fmt.Errorf("the guest's timings: %w", err)
	}
	if len(ts) > MaxTimings {
		return nil, fmt.Errorf("the guest's timings: %d phases, expected at most %d", len(ts), MaxTimings)
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

// InitMarker is the first line the guest's /init writes to the console; its arrival times the boot.
const InitMarker = "lvslab: guest init running"
