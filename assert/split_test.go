package assert

import (
	"slices"
	"testing"
)

func TestProportionsSplitMarksTheServerOutOfRange(t *testing.T) {
	v := ProportionsWithin(map[string]float64{"rs1": 3, "rs2": 1}, map[string]int{"rs1": 500, "rs2": 500}, 1)
	if v.Pass || len(v.Split) != 2 {
		t.Fatalf("verdict %+v: want a failure with two shares", v)
	}
	for _, s := range v.Split {
		want := map[string]Share{"rs1": {Server: "rs1", Expected: 750, Observed: 500, Lo: 749, Hi: 751, Ranged: true},
			"rs2": {Server: "rs2", Expected: 250, Observed: 500, Lo: 249, Hi: 251, Ranged: true}}[s.Server]
		if s != want || !s.Out() {
			t.Errorf("share %+v, want %+v and out of range", s, want)
		}
	}
	if v := ProportionsWithin(map[string]float64{"rs1": 3, "rs2": 1}, map[string]int{"rs1": 750, "rs2": 250}, 0); !v.Pass || v.Split[0].Out() || v.Split[1].Out() {
		t.Errorf("an exact split: %+v", v)
	}
}

func TestSequenceOrderKeepsTheFirstDifferenceInItsWindow(t *testing.T) {
	var exp, obs []string
	for i := range 100 {
		exp = append(exp, []string{"rs1", "rs2"}[i%2])
	}
	obs = slices.Clone(exp)
	obs[57] = "rs3"
	v := Sequence(exp, obs)
	o := v.Order
	if v.Pass || o == nil || o.First != 57 || o.Total != 100 {
		t.Fatalf("verdict %v, order %+v: want a failure first at 57 of 100", v.Pass, o)
	}
	if i := o.First - o.Offset; i < 0 || i >= len(o.Observed) || o.Observed[i] != "rs3" || o.Expected[i] != "rs2" {
		t.Errorf("window %+v does not hold the difference", o)
	}
	if len(o.Expected) > orderWindow || len(o.Observed) != len(o.Expected) {
		t.Errorf("window of %d and %d, want at most %d each, alike", len(o.Expected), len(o.Observed), orderWindow)
	}
	counts := map[string]Share{}
	for _, s := range v.Split {
		counts[s.Server] = s
	}
	if counts["rs3"].Observed != 1 || counts["rs3"].Expected != 0 || counts["rs2"].Observed != 49 || counts["rs2"].Expected != 50 {
		t.Errorf("split %+v", v.Split)
	}
	if v := Sequence(exp, exp); !v.Pass || v.Order.First != -1 || len(v.Order.Expected) != orderWindow {
		t.Errorf("equal sequences: %+v", v.Order)
	}
}
