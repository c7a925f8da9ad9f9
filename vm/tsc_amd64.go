package vm

import (
	"sync"
	"time"
)

func rdtsc() uint64

// hostTSCkHz measures the host's time stamp counter. Under TCG the guest's TSC is the host's, and the
// guest kernel's own calibration against the emulated PIT is at the mercy of host scheduling: when it
// fails, the guest marks the TSC unusable and can hang. Telling it the rate (tsc_early_khz) avoids that.
var hostTSCkHz = sync.OnceValue(func() int {
	t0, c0 := time.Now(), rdtsc()
	for time.Since(t0) < 20*time.Millisecond {
	}
	c1, t1 := rdtsc(), time.Now()
	return int(float64(c1-c0) / float64(t1.Sub(t0).Microseconds()) * 1000)
})
