//go:build linux

package guest

import (
	"testing"
	"time"
)

func TestRanInitIn(t *testing.T) {
	for _, c := range []struct {
		log  string
		want time.Duration
		ok   bool
	}{
		{"<6>[    0.000000] Linux version 6.1.0\n<6>[    0.712345] Run /init as init process\n<4>[    0.9] later\n", 712345 * time.Microsecond, true},
		{"<6>[    1.500000] Run /init as init process", 1500 * time.Millisecond, true},          // no final newline
		{"<6>[    0.812000][    T1] Run /init as init process\n", 812 * time.Millisecond, true}, // CONFIG_PRINTK_CALLER
		{"<6>[    0.5] Run /sbin/init as init process\n", 0, false},                             // another init
		{"<6>[    0.5] something else\n", 0, false},
		{"<6>[ -1.0] Run /init as init process\n", 0, false},
		{"<6>[ 99999.0] Run /init as init process\n", 0, false}, // not within the boot
		{"<6>[ nan] Run /init as init process\n", 0, false},
		{"<6>] [ Run /init as init process\n", 0, false},
		{"", 0, false},
	} {
		got, ok := ranInitIn([]byte(c.log))
		if ok != c.ok || got.Round(time.Microsecond) != c.want {
			t.Errorf("ranInitIn(%q) = %v, %v; want %v, %v", c.log, got, ok, c.want, c.ok)
		}
	}
}
