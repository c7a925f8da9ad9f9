package realserver

import (
	"math/rand/v2"
	"net/http"
	"time"
)

// thinker is how long a server thinks before each answer: evenly between min and max.
type thinker struct{ min, max time.Duration }

// slowed makes h think before it answers. A client that goes away meanwhile is not answered.
func (t thinker) slowed(h http.Handler) http.Handler {
	if t.max <= 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := t.min
		if t.max > t.min {
			d += rand.N(t.max - t.min + 1)
		}
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case <-timer.C:
			h.ServeHTTP(w, r)
		case <-r.Context().Done():
		}
	})
}
