package loadgen

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteReport prints an ab-like summary of r, with connections per server.
func (r *Result) WriteReport(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	field := func(name, format string, args ...any) {
		fmt.Fprintf(tw, "%s:\t%s\n", name, fmt.Sprintf(format, args...))
	}
	field("URL", "%s", r.URL)
	if r.Rate > 0 {
		field("Rate", "%g requests per second (at most %d in flight)", r.Rate, r.Concurrency)
	} else {
		field("Concurrency Level", "%d", r.Concurrency)
	}
	if r.Datagrams > 0 {
		field("Datagrams per socket", "%d", r.Datagrams)
	} else {
		field("Keep-Alive", "%t", r.KeepAlive)
	}
	stoppedEarly := ""
	switch {
	case r.Interrupted:
		stoppedEarly = " (interrupted)"
	case r.TimeLimitReached:
		stoppedEarly = " (stopped at the time limit)"
	}
	field("Time taken for tests", "%.3f seconds%s", r.Duration.Seconds(), stoppedEarly)
	field("Requests", "%d", r.Requests)
	field("Complete requests", "%d", r.Completed)
	field("Failed requests", "%d%s", r.Failures.Total(), failureBreakdown(r.Failures))
	if r.Failures.Example != "" {
		field("First failure", "%s", r.Failures.Example)
	}
	field("Connections opened", "%d", r.Connections)
	if r.Completed == 0 {
		field("Requests per second", "- (none completed)")
		field("Latency (ms)", "- (none completed)")
	} else {
		field("Requests per second", "%.2f [#/sec] (mean)", r.RequestsPerSecond)
		l := r.Latency
		field("Latency (ms)", "min %s  mean %s  50%% %s  90%% %s  99%% %s  max %s",
			ms(l.Min), ms(l.Mean), ms(l.P50), ms(l.P90), ms(l.P99), ms(l.Max))
	}
	tw.Flush()
	fmt.Fprintln(w)
	r.writeServers(w)
}

// writeServers prints the per-server table, busiest first.
func (r *Result) writeServers(w io.Writer) {
	total, width := 0, len("server")
	for name, s := range r.PerServer {
		total += s.Connections
		width = max(width, len(name))
	}
	names := slices.SortedFunc(maps.Keys(r.PerServer), func(a, b string) int {
		return cmp.Or(cmp.Compare(r.PerServer[b].Connections, r.PerServer[a].Connections), strings.Compare(a, b))
	})
	fmt.Fprintf(w, "%-*s  %11s  %6s  %8s\n", width, "server", "connections", "share", "requests")
	for _, name := range names {
		s := r.PerServer[name]
		share := 100 * float64(s.Connections) / float64(max(total, 1))
		fmt.Fprintf(w, "%-*s  %11d  %5.1f%%  %8d\n", width, name, s.Connections, share, s.Requests)
	}
}

func failureBreakdown(f Failures) string {
	var parts []string
	for _, c := range f.byClass() {
		if c.count > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", c.name, c.count))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }
