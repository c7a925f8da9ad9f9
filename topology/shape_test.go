package topology

import (
	"strings"
	"testing"
	"time"
)

// Every setting reads as tc writes it and writes back the same, and what netem would not do is refused
// with the reason.
func TestShapeSettings(t *testing.T) {
	var s Shape
	for _, kv := range [][2]string{{"delay", "50ms"}, {"jitter", "10ms"}, {"loss", "1%"}, {"duplicate", "0.5%"},
		{"reorder", "25%"}, {"corrupt", "0.01%"}, {"rate", "10mbit"}} {
		if err := s.Set(kv[0], kv[1]); err != nil {
			t.Fatalf("%s %s: %v", kv[0], kv[1], err)
		}
	}
	want := Shape{Delay: 50 * time.Millisecond, Jitter: 10 * time.Millisecond, Loss: 1, Duplicate: 0.5, Reorder: 25, Corrupt: 0.01, Rate: 10e6}
	if s != want {
		t.Errorf("got %+v, want %+v", s, want)
	}
	if got := s.String(); got != "delay 50ms 10ms loss 1% duplicate 0.5% reorder 25% corrupt 0.01% rate 10mbit" {
		t.Errorf("String: %q", got)
	}
	if err := s.Check(); err != nil {
		t.Errorf("Check: %v", err)
	}
	for _, bad := range [][2]string{{"delay", "-1ms"}, {"delay", "2m"}, {"delay", "1ns"}, {"loss", "1"}, {"loss", "101%"},
		{"loss", "NaN%"}, {"rate", "10"}, {"rate", "1bit"}, {"rate", "200gbit"}, {"rate", "mbit"}, {"speed", "1"},
		{"loss", strings.Repeat("1", 40) + "%"}} {
		var s Shape
		if err := s.Set(bad[0], bad[1]); err == nil {
			t.Errorf("%s %q: accepted as %+v", bad[0], bad[1], s)
		}
	}
	for _, c := range []struct {
		s    Shape
		want string
	}{
		{Shape{Jitter: time.Millisecond}, "give a delay too"},
		{Shape{Reorder: 10}, "give a delay too"},
		{Shape{Loss: 150}, "between 0% and 100%"},
		{Shape{Rate: 3}, "between 8bit and 100gbit"},
	} {
		if err := c.s.Check(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want %q", c.s, err, c.want)
		}
	}
	if got := (Shape{}).String(); got != "none" {
		t.Errorf("no shape: %q", got)
	}
	if got := FormatRate(1500e3); got != "1500kbit" {
		t.Errorf("FormatRate(1.5e6): %q", got)
	}
}

// A topology file shapes an interface with a shape: mapping, and a wrong value is reported at its place.
func TestShapeInTopologyFile(t *testing.T) {
	src := `
name: shaped
networks: {lan: {subnet: 10.0.0.0/24}}
hosts:
  a: {interfaces: [{network: lan, address: 10.0.0.1}]}
  b: {interfaces: [{network: lan, address: 10.0.0.2, shape: {delay: 50ms, loss: 1%, rate: 1mbit}}]}
`
	topo, err := Parse("shaped.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := topo.Host("b").Interfaces[0].Shape.String(); got != "delay 50ms loss 1% rate 1mbit" {
		t.Errorf("b's eth0: %q", got)
	}
	if !topo.Host("a").Interfaces[0].Shape.IsZero() {
		t.Errorf("a's eth0 is shaped: %v", topo.Host("a").Interfaces[0].Shape)
	}
	for bad, want := range map[string]string{
		"{delay: fast}":       `hosts.b.interfaces[0].shape.delay`,
		"{jitter: 5ms}":       "give a delay too",
		"{bandwidth: 10mbit}": "bandwidth",
		"[50ms]":              "shape",
	} {
		_, err := Parse("shaped.yaml", []byte(strings.Replace(src, "{delay: 50ms, loss: 1%, rate: 1mbit}", bad, 1)))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("shape %s: got %v, want %q in the error", bad, err, want)
		}
	}
}

// A real server's think time reads as a duration or a range, writes back the same, and is bounded.
func TestThinkTime(t *testing.T) {
	for text, want := range map[string]Think{"50ms": {50 * time.Millisecond, 50 * time.Millisecond}, "20ms-80ms": {20 * time.Millisecond, 80 * time.Millisecond}} {
		got, err := ParseThink(text)
		if err != nil || got != want || got.String() != text {
			t.Errorf("%q: got %+v (%q), %v", text, got, got.String(), err)
		}
	}
	for _, bad := range []string{"fast", "80ms-20ms", "-5ms", "2m", "1s-2m", "10ms-"} {
		if got, err := ParseThink(bad); err == nil {
			t.Errorf("%q: accepted as %+v", bad, got)
		}
	}
	src := "name: t\nnetworks: {lan: {subnet: 10.0.0.0/24}}\nhosts:\n  rs1: {interfaces: [{network: lan, address: 10.0.0.1}], http: {think: THINK}}\n"
	topo, err := Parse("t.yaml", []byte(strings.Replace(src, "THINK", "20ms-80ms", 1)))
	if err != nil || topo.Host("rs1").HTTP.Think.String() != "20ms-80ms" {
		t.Fatalf("think in a topology file: %v, %v", topo, err)
	}
	if _, err := Parse("t.yaml", []byte(strings.Replace(src, "THINK", "80ms-20ms", 1))); err == nil || !strings.Contains(err.Error(), "hosts.rs1.http.think") {
		t.Errorf("a backwards think range: got %v, want it refused at its place", err)
	}
}

// A real server's failure rate reads as a per cent, and is bounded.
func TestServerFailureRate(t *testing.T) {
	src := "name: t\nnetworks: {lan: {subnet: 10.0.0.0/24}}\nhosts:\n  rs1: {interfaces: [{network: lan, address: 10.0.0.1}], http: {fail: FAIL}}\n"
	topo, err := Parse("t.yaml", []byte(strings.Replace(src, "FAIL", "12.5%", 1)))
	if err != nil || topo.Host("rs1").HTTP.Fail != 12.5 || FormatPercent(topo.Host("rs1").HTTP.Fail) != "12.5%" {
		t.Fatalf("fail in a topology file: %+v, %v", topo.Host("rs1").HTTP, err)
	}
	for _, bad := range []string{"150%", "-1%", "often", "10"} {
		if _, err := Parse("t.yaml", []byte(strings.Replace(src, "FAIL", bad, 1))); err == nil || !strings.Contains(err.Error(), "hosts.rs1.http.fail") {
			t.Errorf("fail: %s: got %v, want it refused at its place", bad, err)
		}
	}
}
