//go:build linux

package loadgen

import "time"

// dueList is a poller's requests in flight, the soonest due first. Every request of a run has the same
// timeout, so a request started later is never due sooner: it joins at the end, in constant time.
type dueList struct {
	first, last *slot
}

func (l *dueList) push(s *slot) {
	s.prev, s.next = l.last, nil
	if l.last != nil {
		l.last.next = s
	} else {
		l.first = s
	}
	l.last = s
}

// remove takes s out of the list, if it is in it.
func (l *dueList) remove(s *slot) {
	if s.prev == nil && l.first != s {
		return
	}
	if s.prev != nil {
		s.prev.next = s.next
	} else {
		l.first = s.next
	}
	if s.next != nil {
		s.next.prev = s.prev
	} else {
		l.last = s.prev
	}
	s.prev, s.next = nil, nil
}

// soonest is when the soonest request comes due: the zero time when none is in flight.
func (l *dueList) soonest() time.Time {
	if l.first == nil {
		return time.Time{}
	}
	return l.first.due
}
