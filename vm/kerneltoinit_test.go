package vm

import (
	"testing"
	"time"

	"github.com/lvslab/lvslab/vm/proto"
)

func TestKernelToInit(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		name    string
		hello   time.Duration
		timings []proto.Timing
		want    time.Duration
	}{
		{"the kernel's record", 1300 * ms, []proto.Timing{{Phase: proto.PhaseKernelRanInit, At: 700 * ms}, {Phase: "init", At: 850 * ms}}, 1150 * ms},
		{"no record: the hello", 1300 * ms, []proto.Timing{{Phase: "init", At: 850 * ms}}, 1300 * ms},
		{"no timings", 1300 * ms, nil, 1300 * ms},
		{"a start longer than the hello: the hello", 100 * ms, []proto.Timing{{Phase: proto.PhaseKernelRanInit, At: 100 * ms}, {Phase: "init", At: 900 * ms}}, 100 * ms},
	} {
		r := &Result{BootToInit: c.hello, Timings: c.timings}
		if got := r.KernelToInit(); got != c.want {
			t.Errorf("%s: KernelToInit() = %v, want %v", c.name, got, c.want)
		}
	}
}
