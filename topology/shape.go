package topology

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Shape is how a host's interface delays, loses, duplicates, reorders, corrupts and paces what the host
// sends on it: Linux's netem queueing discipline as the interface's root, as `tc qdisc replace dev IF root
// netem …` sets it. The zero Shape is none.
type Shape struct {
	Delay     time.Duration // added to every packet
	Jitter    time.Duration // the delay varies by up to this, either way (needs Delay)
	Loss      float64       // per cent of packets dropped
	Duplicate float64       // per cent of packets sent twice
	Reorder   float64       // per cent of packets sent at once, ahead of the delayed others (needs Delay)
	Corrupt   float64       // per cent of packets with a flipped bit
	Rate      uint64        // bits per second the interface sends at most; 0: no limit
}

// Bounds of a Shape: a delay past a minute is a link that is down, and netem keeps rates in bytes per
// second as a 64-bit number.
const (
	MaxShapeDelay = time.Minute
	MinShapeRate  = 8     // a byte a second
	MaxShapeRate  = 100e9 // 100gbit
	shapeDigits   = 1e4   // per cents are kept to four decimals: netem stores them as 32-bit fractions
	maxShapeWord  = 32    // the longest value a shape word may have
	kilo          = 1000  // rates are SI, as tc's: 1kbit = 1000 bit/s
	bitsPerByte   = 8
)

// ShapeSettings are a Shape's settings, by the names the topology file, the CLI and status use.
var ShapeSettings = []string{"delay", "jitter", "loss", "duplicate", "reorder", "corrupt", "rate"}

// IsZero tells whether the shape shapes nothing.
func (s Shape) IsZero() bool { return s == Shape{} }

// Set sets one setting, by its name in ShapeSettings, from its text: a duration ("50ms"), a per cent
// ("1%", "0.5%") or a rate ("10mbit", "512kbit", "1gbit", "9600bit").
func (s *Shape) Set(name, value string) error {
	if len(value) > maxShapeWord {
		return fmt.Errorf("%s: %d characters, expected at most %d", name, len(value), maxShapeWord)
	}
	var err error
	switch name {
	case "delay":
		s.Delay, err = shapeDuration(value)
	case "jitter":
		s.Jitter, err = shapeDuration(value)
	case "loss":
		s.Loss, err = shapePercent(value)
	case "duplicate":
		s.Duplicate, err = shapePercent(value)
	case "reorder":
		s.Reorder, err = shapePercent(value)
	case "corrupt":
		s.Corrupt, err = shapePercent(value)
	case "rate":
		s.Rate, err = ParseRate(value)
	default:
		return fmt.Errorf("%q is no shaping setting: expected one of %s", name, strings.Join(ShapeSettings, ", "))
	}
	if err != nil {
		return fmt.Errorf("%s %q: %w", name, value, err)
	}
	return nil
}

func shapeDuration(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	switch {
	case err != nil:
		return 0, errors.New("expected a duration such as 50ms or 1.5s")
	case d < 0 || d > MaxShapeDelay:
		return 0, fmt.Errorf("expected between 0 and %v", MaxShapeDelay)
	case d%time.Microsecond != 0:
		return 0, errors.New("netem counts in microseconds: expected no finer a duration")
	}
	return d, nil
}

func shapePercent(v string) (float64, error) {
	num, ok := strings.CutSuffix(v, "%")
	p, err := strconv.ParseFloat(num, 64)
	switch {
	case !ok || err != nil || math.IsNaN(p):
		return 0, errors.New("expected a per cent such as 1% or 0.5%")
	case p < 0 || p > 100:
		return 0, errors.New("expected between 0% and 100%")
	}
	return math.Round(p*shapeDigits) / shapeDigits, nil
}

// rateUnits are the rate suffixes, as tc writes them: bits per second, SI.
var rateUnits = []struct {
	suffix string
	bits   float64
}{{"gbit", kilo * kilo * kilo}, {"mbit", kilo * kilo}, {"kbit", kilo}, {"bit", 1}}

// ParseRate reads a rate in bits per second: "10mbit", "512kbit", "1gbit", "9600bit".
func ParseRate(v string) (uint64, error) {
	for _, u := range rateUnits {
		num, ok := strings.CutSuffix(v, u.suffix)
		if !ok {
			continue
		}
		n, err := strconv.ParseFloat(num, 64)
		if err != nil || math.IsNaN(n) || n*u.bits < MinShapeRate || n*u.bits > MaxShapeRate {
			break
		}
		return uint64(math.Round(n*u.bits/bitsPerByte)) * bitsPerByte, nil // netem keeps whole bytes
	}
	return 0, fmt.Errorf("expected a rate between 8bit and 100gbit, such as 10mbit or 512kbit")
}

// Check says what in the shape netem would not do as written: jitter or reordering without a delay.
func (s Shape) Check() error {
	var errs []error
	if s.Jitter > 0 && s.Delay == 0 {
		errs = append(errs, errors.New("jitter varies the delay: give a delay too"))
	}
	if s.Reorder > 0 && s.Delay == 0 {
		errs = append(errs, errors.New("reorder sends some packets ahead of the delayed others: give a delay too"))
	}
	for _, p := range []float64{s.Loss, s.Duplicate, s.Reorder, s.Corrupt} {
		if p < 0 || p > 100 || math.IsNaN(p) {
			errs = append(errs, fmt.Errorf("a per cent of %v: expected between 0%% and 100%%", p))
		}
	}
	if s.Delay < 0 || s.Delay > MaxShapeDelay || s.Jitter < 0 || s.Jitter > MaxShapeDelay {
		errs = append(errs, fmt.Errorf("delay and jitter: expected between 0 and %v", MaxShapeDelay))
	}
	if s.Rate != 0 && (s.Rate < MinShapeRate || s.Rate > MaxShapeRate) {
		errs = append(errs, fmt.Errorf("rate %d bit/s: expected between 8bit and 100gbit", s.Rate))
	}
	return errors.Join(errs...)
}

// ShapeSetting is one setting of a Shape, by its name in ShapeSettings, written as Set reads it.
type ShapeSetting struct{ Name, Value string }

// Settings are the shape's settings that are not zero, in ShapeSettings' order.
func (s Shape) Settings() []ShapeSetting {
	var out []ShapeSetting
	for _, v := range []struct {
		set bool
		ShapeSetting
	}{
		{s.Delay > 0, ShapeSetting{"delay", s.Delay.String()}},
		{s.Jitter > 0, ShapeSetting{"jitter", s.Jitter.String()}},
		{s.Loss > 0, ShapeSetting{"loss", FormatPercent(s.Loss)}},
		{s.Duplicate > 0, ShapeSetting{"duplicate", FormatPercent(s.Duplicate)}},
		{s.Reorder > 0, ShapeSetting{"reorder", FormatPercent(s.Reorder)}},
		{s.Corrupt > 0, ShapeSetting{"corrupt", FormatPercent(s.Corrupt)}},
		{s.Rate > 0, ShapeSetting{"rate", FormatRate(s.Rate)}},
	} {
		if v.set {
			out = append(out, v.ShapeSetting)
		}
	}
	return out
}

// FormatPercent writes a per cent as a shape's setting or a server's failure rate reads: "0.5%".
func FormatPercent(p float64) string { return strconv.FormatFloat(p, 'f', -1, 64) + "%" }

// String is the shape as tc shows netem's options: "delay 50ms 10ms loss 1% rate 10mbit"; "none" for none.
func (s Shape) String() string {
	if s.IsZero() {
		return "none"
	}
	var w []string
	for _, v := range s.Settings() {
		switch {
		case v.Name != "jitter":
			w = append(w, v.Name+" "+v.Value)
		case s.Delay > 0: // tc writes the jitter after the delay, unnamed
			w = append(w, v.Value)
		}
	}
	return strings.Join(w, " ")
}

// FormatRate writes a rate in bits per second in the largest unit that keeps it whole: "10mbit".
func FormatRate(bits uint64) string {
	for _, u := range rateUnits {
		if b := uint64(u.bits); bits >= b && bits%b == 0 {
			return strconv.FormatUint(bits/b, 10) + u.suffix
		}
	}
	return strconv.FormatUint(bits, 10) + "bit"
}
