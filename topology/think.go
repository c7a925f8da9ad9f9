package topology

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Think is how long a real server's HTTP server thinks before it answers each request: a fixed time, or
// one drawn evenly between Min and Max, so that a slow server holds its connections longer and they pile
// up on it, as the dynamic schedulers (lc, wlc, sed, nq) see. The zero Think answers at once.
type Think struct {
	Min, Max time.Duration
}

// MaxThink bounds a think time: a server slower than this is a hung one (lvslab fault HOST hang).
const MaxThink = time.Minute

// ParseThink reads a think time: "50ms", or a range "20ms-80ms".
func ParseThink(v string) (Think, error) {
	if len(v) > maxShapeWord {
		return Think{}, fmt.Errorf("%d characters, expected at most %d", len(v), maxShapeWord)
	}
	lo, hi, isRange := strings.Cut(v, "-")
	if !isRange {
		hi = lo
	}
	min, err1 := time.ParseDuration(lo)
	max, err2 := time.ParseDuration(hi)
	if err1 != nil || err2 != nil {
		return Think{}, errors.New("expected a duration such as 50ms, or a range such as 20ms-80ms")
	}
	t := Think{Min: min, Max: max}
	if err := t.Check(); err != nil {
		return Think{}, err
	}
	return t, nil
}

// Check says what is wrong with the think time.
func (t Think) Check() error {
	switch {
	case t.Min < 0 || t.Max > MaxThink:
		return fmt.Errorf("expected between 0 and %v", MaxThink)
	case t.Min > t.Max:
		return fmt.Errorf("the range %v-%v runs backwards", t.Min, t.Max)
	}
	return nil
}

// String writes the think time as ParseThink reads it; "" for none.
func (t Think) String() string {
	switch {
	case t == Think{}:
		return ""
	case t.Min == t.Max:
		return t.Min.String()
	}
	return t.Min.String() + "-" + t.Max.String()
}
