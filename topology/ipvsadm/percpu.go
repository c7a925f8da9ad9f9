package ipvsadm

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// ParsePerCPUTotals adds up the director's per-CPU counters of every service, as the kernel prints them
// in /proc/net/ip_vs_stats_percpu (ip_vs_ctl.c, ip_vs_stats_percpu_show): two header lines, one line per
// CPU of hexadecimal counters, then a "~" line of the estimator's totals and its rates, which are skipped.
// Unlike the totals ipvsadm reads through netlink, these count every connection and packet at once.
func ParsePerCPUTotals(data []byte) (Counters, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 256), 4096)
	var sum Counters
	cpus := 0
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case n == 1 && strings.Contains(line, "Total"), n == 2 && strings.HasPrefix(line, "CPU"):
			continue
		case n <= 2:
			return Counters{}, fmt.Errorf("per-CPU counters: line %d %q is not the kernel's header", n, clip(line))
		}
		f := strings.Fields(line)
		if len(f) > 0 && f[0] == "~" {
			if cpus == 0 {
				return Counters{}, fmt.Errorf("per-CPU counters: no CPU line before the totals")
			}
			return sum, nil
		}
		if len(f) != 6 {
			return Counters{}, fmt.Errorf("per-CPU counters: line %d %q: %d fields, want 6 (CPU Conns InPkts OutPkts InBytes OutBytes)", n, clip(line), len(f))
		}
		var v [6]uint64
		for i, s := range f {
			var err error
			if v[i], err = strconv.ParseUint(s, 16, 64); err != nil {
				return Counters{}, fmt.Errorf("per-CPU counters: line %d: %q is not a hexadecimal count", n, s)
			}
		}
		sum.Conns += v[1]
		sum.InPkts += v[2]
		sum.OutPkts += v[3]
		sum.InBytes += v[4]
		sum.OutBytes += v[5]
		cpus++
	}
	if err := sc.Err(); err != nil {
		return Counters{}, fmt.Errorf("per-CPU counters: %w", err)
	}
	return Counters{}, fmt.Errorf("per-CPU counters: %d CPU lines and no \"~\" line of totals after them: the text is cut short", cpus)
}

// Minus is c less an earlier reading of the same counters.
func (c Counters) Minus(earlier Counters) Counters {
	return Counters{Conns: c.Conns - earlier.Conns, InPkts: c.InPkts - earlier.InPkts, OutPkts: c.OutPkts - earlier.OutPkts,
		InBytes: c.InBytes - earlier.InBytes, OutBytes: c.OutBytes - earlier.OutBytes}
}
