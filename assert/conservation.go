package assert

import "fmt"

// Counted is what conservation compares: the connections the load generator made, each server's count of
// those it accepted, the director's own record of each, and IPVS's count of the connections it scheduled.
type Counted struct {
	Sent    int
	Servers map[string]int // what each real server accepted
	// Director is, per real server, how many of the load's connections the director sent there, as
	// DirectorFrom names it: "director's table" (its connection entries) or "IPVS Conns" (its counters).
	Director     map[string]int
	DirectorFrom string
	IPVS         int // connections IPVS counted over every service (its per-CPU counters)
	// Reused is how many connections left from a local address and port that an earlier connection of the
	// load had used: IPVS takes such a connection for the earlier one while it keeps that one's entry,
	// unscheduled and uncounted, unless the entry is in TIME_WAIT (conn_reuse_mode). Said on a failure.
	Reused int
}

// Conservation checks that every connection sent was seen once: the servers' counts, the director's
// connection table and IPVS's counters all add up to what was sent, and each server agrees with the
// director's table about its share.
func Conservation(c Counted) Verdict {
	const name = "conservation"
	if c.Sent <= 0 {
		return invalid(name, "%d connections sent", c.Sent)
	}
	if c.IPVS < 0 {
		return invalid(name, "IPVS counted %d connections", c.IPVS)
	}
	from := c.DirectorFrom
	if from == "" {
		from = "director"
	}
	var seen, director int
	var differ []string
	t := newTable("lrrrl", "server", "servers saw", from, "diff")
	for _, s := range serverNames(c.Servers, c.Director) {
		a, b := c.Servers[s], c.Director[s]
		if a < 0 || b < 0 {
			return invalid(name, "negative count for %s", s)
		}
		seen += a
		director += b
		if a != b {
			differ = append(differ, s)
		}
		t.add(s, fmt.Sprint(a), fmt.Sprint(b), signed(a-b), mark(a != b, "<- differs"))
	}
	t.add("total", fmt.Sprint(seen), fmt.Sprint(director), signed(seen-director), mark(seen != c.Sent || director != c.Sent, "<- differs from sent"))
	t.add("sent", fmt.Sprint(c.Sent), fmt.Sprint(c.Sent))
	t.add("IPVS total", "", fmt.Sprint(c.IPVS), "", mark(c.IPVS != c.Sent, "<- differs from sent"))
	if seen == c.Sent && director == c.Sent && c.IPVS == c.Sent && len(differ) == 0 {
		return pass(name, fmt.Sprintf("%d connections sent, seen by the servers, sent there by the director (%s) and counted by IPVS", c.Sent, from), t.String())
	}
	summary := fmt.Sprintf("sent %d, servers saw %d (%s), the director (%s) sent %d (%s), IPVS counted %d (%s)",
		c.Sent, seen, signed(seen-c.Sent), from, director, signed(director-c.Sent), c.IPVS, signed(c.IPVS-c.Sent))
	if len(differ) > 0 {
		summary += fmt.Sprintf("; servers and the director disagree on %s, first %s", plural(len(differ), "server"), differ[0])
	}
	detail := t.String()
	if c.Reused > 0 {
		detail += fmt.Sprintf("%s left from the local address and port of an earlier connection of the load\n", plural(c.Reused, "connection"))
	}
	return fail(name, summary, detail)
}
