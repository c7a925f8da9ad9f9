package model

import (
	"net/netip"
	"sort"
	"time"
)

// Protocol is an IP protocol number.
type Protocol uint8

const (
	TCP  Protocol = 6
	UDP  Protocol = 17
	SCTP Protocol = 132
)

// Conn is the first packet of a new connection, as the schedulers see it:
// the client (source) and the virtual service (destination) addresses.
type Conn struct {
	Proto   Protocol
	Client  netip.AddrPort
	Virtual netip.AddrPort
}

// Timeouts are the connection timers that decide how long a connection
// counts on its destination.
type Timeouts struct {
	// Established: TCP ESTABLISHED (and SCTP), 15 min (ipvsadm --set tcp).
	Established time.Duration
	// Closed: a closed TCP connection sits in TIME_WAIT (NAT) or FIN_WAIT
	// (DR/TUN, the director sees one direction), both 2 min, counted as
	// inactive.
	Closed time.Duration
	// UDP: 5 min after the last datagram (ipvsadm --set udp).
	UDP time.Duration
}

// DefaultTimeouts are ip_vs_proto_tcp.c tcp_timeouts and
// ip_vs_proto_udp.c udp_timeouts.
var DefaultTimeouts = Timeouts{
	Established: 15 * time.Minute,
	Closed:      2 * time.Minute,
	UDP:         5 * time.Minute,
}

// Entry is a connection entry bound to a destination (struct ip_vs_conn).
type Entry struct {
	Conn    Conn
	Dest    *Dest
	active  bool
	expires time.Duration
	seq     uint64
	gone    bool
}

// Active reports whether the entry counts in its destination's ActiveConn.
func (e *Entry) Active() bool { return e.active }

// Expired reports whether the entry was removed.
func (e *Entry) Expired() bool { return e.gone }

// Connect schedules c and, if a destination is found, opens the
// connection on it: what the kernel does with the first packet.
func (s *Service) Connect(c Conn) (*Entry, error) {
	d, err := s.Schedule(c)
	if err != nil {
		return nil, err
	}
	return s.Open(d, c), nil
}

// Open binds a new connection to d (ip_vs_conn_new → ip_vs_bind_dest). The
// entry starts inactive; for TCP the SYN moves it at once to SYN_RECV,
// which counts as active (tcp_state_active_table). UDP connections stay
// inactive for their whole life. SCTP is taken as established (active):
// the kernel counts it active only from ESTABLISHED on.
func (s *Service) Open(d *Dest, c Conn) *Entry {
	s.seq++
	e := &Entry{Conn: c, Dest: d, seq: s.seq}
	d.bind()
	if c.Proto == UDP {
		e.expires = s.now + s.Timeouts.UDP
	} else {
		e.active = true
		d.active++
		e.expires = s.now + s.Timeouts.Established
	}
	s.entries[e] = struct{}{}
	return e
}

// Close ends a TCP/SCTP connection: it turns inactive and expires after
// Timeouts.Closed. A UDP entry just keeps its timer.
func (s *Service) Close(e *Entry) {
	if e.gone || e.Conn.Proto == UDP {
		return
	}
	if e.active {
		e.active = false
		e.Dest.active--
	}
	e.expires = s.now + s.Timeouts.Closed
}

// Expire removes the entry now (ip_vs_conn_expire → ip_vs_unbind_dest).
func (s *Service) Expire(e *Entry) {
	if e.gone {
		return
	}
	e.gone = true
	delete(s.entries, e)
	e.Dest.unbind(e.active)
	e.active = false
}

// Entries returns the live connection entries, oldest first.
func (s *Service) Entries() []*Entry {
	list := make([]*Entry, 0, len(s.entries))
	for e := range s.entries {
		list = append(list, e)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].seq < list[j].seq })
	return list
}

// Now is the service clock, which starts at 0 when the service is created.
func (s *Service) Now() time.Duration { return s.now }

// Advance moves the clock by dt: entries whose timer runs out expire, and
// the lblc/lblcr garbage collection timers fire.
func (s *Service) Advance(dt time.Duration) {
	target := s.now + dt
	var due []*Entry
	for e := range s.entries {
		if e.expires <= target {
			due = append(due, e)
		}
	}
	sort.Slice(due, func(i, j int) bool {
		if due[i].expires != due[j].expires {
			return due[i].expires < due[j].expires
		}
		return due[i].seq < due[j].seq
	})
	for _, e := range due {
		s.now = max(s.now, e.expires)
		s.Expire(e)
	}
	if t, ok := s.sched.(ticker); ok {
		t.advance(s, target)
	}
	s.now = target
}

// ticker is a scheduler with a periodic timer (lblc, lblcr).
type ticker interface {
	advance(s *Service, target time.Duration)
}
