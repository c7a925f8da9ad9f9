package ipvsadm

import (
	"strings"
	"testing"
)

// As a 2-CPU director prints /proc/net/ip_vs_stats_percpu after 7 connections: the "~" line (the
// estimator's totals) still says 5, the per-CPU counters already 7.
const perCPUText = `       Total Incoming Outgoing         Incoming         Outgoing
CPU    Conns  Packets  Packets            Bytes            Bytes
  0        4       1C       15              6E0              B4C
  1        3       15        F              528              7E6
  ~        5       23       19              8C0              C9E

     Conns/s   Pkts/s   Pkts/s          Bytes/s          Bytes/s
           0        0        0                0                0
`

func TestParsePerCPUTotalsAddsUpTheCPUs(t *testing.T) {
	c, err := ParsePerCPUTotals([]byte(perCPUText))
	if err != nil {
		t.Fatal(err)
	}
	want := Counters{Conns: 7, InPkts: 0x1c + 0x15, OutPkts: 0x15 + 0xf, InBytes: 0x6e0 + 0x528, OutBytes: 0xb4c + 0x7e6}
	if c != want {
		t.Errorf("totals %+v, want %+v", c, want)
	}
	if d := c.Minus(Counters{Conns: 2, InPkts: 10}); d.Conns != 5 || d.InPkts != want.InPkts-10 {
		t.Errorf("Minus: %+v", d)
	}
}

func TestParsePerCPUTotalsRefusesOtherText(t *testing.T) {
	lines := strings.SplitAfter(perCPUText, "\n")
	for name, text := range map[string]string{
		"empty":            "",
		"no header":        strings.Join(lines[2:], ""),
		"cut short":        strings.Join(lines[:4], ""),
		"no CPU":           lines[0] + lines[1] + lines[4],
		"not hexadecimal":  lines[0] + lines[1] + "  0  4 1G 15 6E0 B4C\n" + lines[4],
		"too few counters": lines[0] + lines[1] + "  0  4 1C 15\n" + lines[4],
	} {
		if _, err := ParsePerCPUTotals([]byte(text)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
