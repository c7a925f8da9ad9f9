package assert

import "fmt"

// Conservation checks that every connection sent was seen once: the sum
// of what the servers say they accepted and the sum of IPVS's per-server
// Conns both equal sent, and each server agrees with IPVS. IPVS counters
// lag up to ~2 s (its estimator); read them after the table settles.
func Conservation(sent int, seenByServers, ipvsConns map[string]int) Verdict {
	const name = "conservation"
	if sent <= 0 {
		return invalid(name, "%d connections sent", sent)
	}
	var seen, ipvs int
	var differ []string
	t := newTable("lrrrl", "server", "servers saw", "IPVS Conns", "diff")
	for _, s := range serverNames(seenByServers, ipvsConns) {
		a, b := seenByServers[s], ipvsConns[s]
		if a < 0 || b < 0 {
			return invalid(name, "negative count for %s", s)
		}
		seen += a
		ipvs += b
		if a != b {
			differ = append(differ, s)
		}
		t.add(s, fmt.Sprint(a), fmt.Sprint(b), signed(a-b), mark(a != b, "<- differs"))
	}
	t.add("total", fmt.Sprint(seen), fmt.Sprint(ipvs), signed(seen-ipvs), mark(seen != sent || ipvs != sent, "<- differs from sent"))
	t.add("sent", fmt.Sprint(sent), fmt.Sprint(sent))
	if seen == sent && ipvs == sent && len(differ) == 0 {
		return pass(name, fmt.Sprintf("%d connections sent, seen by the servers and counted by IPVS", sent), t.String())
	}
	summary := fmt.Sprintf("sent %d, servers saw %d (%s), IPVS counted %d (%s)", sent, seen, signed(seen-sent), ipvs, signed(ipvs-sent))
	if len(differ) > 0 {
		summary += fmt.Sprintf("; servers and IPVS disagree on %s, first %s", plural(len(differ), "server"), differ[0])
	}
	return fail(name, summary, t.String())
}
