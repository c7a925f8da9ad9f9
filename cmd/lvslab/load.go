package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/lvslab/lvslab/assert"
	"github.com/lvslab/lvslab/bars"
	"github.com/lvslab/lvslab/hostload"
	"github.com/lvslab/lvslab/labs"

	"github.com/lvslab/lvslab/wire"

	"github.com/lvslab/lvslab/realserver"

	"github.com/spf13/cobra"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/loadgen"
	"github.com/lvslab/lvslab/topology"
	"github.com/lvslab/lvslab/topology/ipvsadm"
)

func newLoadCommand() *cobra.Command {
	var o loadgen.Options
	var from, jsonFile string
	var allowOutside bool
	cmd := &cobra.Command{
		Use:   "load [-n N] [-c C] [-k] [--from HOST] [--rate R --duration D] [URL]",
		Short: "Send HTTP load from a lab host and count which real server took each connection",
		Long: `Send HTTP load from inside a lab host (the host named "client" unless --from says otherwise), the way
ab does: -n requests in all, -c at a time, each on a NEW TCP connection unless -k asks for keep-alive.
IPVS balances connections, not requests, so lvslab counts connections per real server, from the
` + wire.ServerHeader + ` header of each response, and asks the servers what they saw too.

A udp:// URL (udp://192.168.0.75:53) sends datagrams instead, each request from a new socket, to the
lab's UDP echo servers, which name themselves in the reply.

With --rate and --duration the load is open-loop instead: R requests a second for D, whatever the
latency (built on vegeta).

URL defaults to the first TCP virtual service of the lab's topology; it must be an address of the lab
(a host's or a virtual service's) unless --allow-outside says otherwise. The run is bounded: it stops
after -n requests or --time-limit, whichever comes first, and Ctrl-C stops it early with a report of
what was sent. Exit status 1 when any request failed or the run stopped before it sent them all.`,
		Example: `  sudo lvslab load -n 10000 -c 100                    # ab -n 10000 -c 100 http://VIP/ from the client
  sudo lvslab load -n 10000 -c 50 --from director http://172.16.0.45/
  sudo lvslab load --rate 500 --duration 10s http://192.168.0.75/
  sudo lvslab load -n 1000 --json result.json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkLoadFlags(cmd, &o); err != nil {
				return unusable(err)
			}
			style, err := resolveBars(cmd)
			if err != nil {
				return err
			}
			selected, err := selectLab(cmd)
			if err != nil {
				return unusable(err)
			}
			if v, ok := selected.(labs.InVM); ok {
				line := slices.Insert(commandLine(cmd, args, "lab"), 1, "--lab="+v.Name())
				return labError(v.Lvslab(cmd.Context(), line, terminal(cmd)))
			}
			l := selected.(labs.Native).Lab
			if len(args) == 1 {
				o.URL = args[0]
			} else if o.URL, err = defaultURL(l.Topology); err != nil {
				return unusable(err)
			}
			if err := checkTarget(l, o.URL, allowOutside); err != nil {
				return unusable(err)
			}
			if from == "" {
				if from, err = defaultClient(l.Topology); err != nil {
					return unusable(err)
				}
			}
			if _, err := l.Namespace(from); err != nil {
				return unusable(err)
			}
			before, _ := l.ServerStats(cmd.Context())
			res, err := hostload.Run(cmd.Context(), l, from, o, cmd.ErrOrStderr())
			if err != nil && (res == nil || !res.Interrupted) {
				return unusable(err)
			}
			after, _ := l.ServerStats(context.WithoutCancel(cmd.Context()))
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "load from %s to %s\n\n", from, o.URL)
			res.WriteReport(w)
			writeServerSide(w, before, after)
			writeLoadBars(w, l, o.URL, res, style)
			if jsonFile != "" {
				if err := writeJSON(jsonFile, res); err != nil {
					return err
				}
			}
			return loadVerdict(res, o)
		},
	}
	f := cmd.Flags()
	f.IntVarP(&o.Requests, "requests", "n", 1000, "requests in all (closed loop)")
	f.IntVarP(&o.Concurrency, "concurrency", "c", 10, "requests at a time (closed loop)")
	f.BoolVarP(&o.KeepAlive, "keepalive", "k", false, "reuse connections (HTTP keep-alive) instead of one per request")
	f.IntVar(&o.Datagrams, "datagrams", 0, "udp:// URLs: datagrams per socket (default 1; more shows one-packet scheduling, -o)")
	f.StringVar(&from, "from", "", `host to send from (default "client")`)
	f.Float64Var(&o.Rate, "rate", 0, "open loop: requests per second (with --duration)")
	f.DurationVar(&o.Duration, "duration", 0, "open loop: how long to send at --rate")
	f.DurationVar(&o.Timeout, "timeout", 10*time.Second, "give up on one request after this long")
	f.DurationVar(&o.TimeLimit, "time-limit", 5*time.Minute, "stop the whole run after this long")
	f.StringVar(&jsonFile, "json", "", "also write the full result as JSON to this file")
	f.BoolVar(&allowOutside, "allow-outside", false, "send to an address that is not the lab's own (or a host name)")
	addLabFlag(cmd)
	addBarsFlag(cmd)
	return cmd
}

// writeLoadBars draws the connections each real server took against its weight's share, when the load
// went to one of the director's virtual services.
func writeLoadBars(w io.Writer, l *lab.Lab, target string, res *loadgen.Result, style bars.Style) {
	if style == bars.None || res == nil || len(res.PerServer) == 0 {
		return
	}
	snap, err := l.IPVS()
	if err != nil {
		return
	}
	svc := l.Topology.ServiceAt(snap, target)
	if svc == nil {
		return
	}
	counts := map[string]int{}
	for name, c := range res.PerServer {
		counts[name] = c.Connections
	}
	fmt.Fprintf(w, "\nConnections per real server against the weights of %s (%s):\n", svc.ServiceKey, svc.Scheduler)
	bars.Write(w, assert.WeightShares(svc, l.Topology.NameOf, counts), style)
}

// defaultURL is the first TCP virtual service of the topology.
func defaultURL(t *topology.Topology) (string, error) {
	if u := t.FirstServiceURL(ipvsadm.TCP); u != "" {
		return u, nil
	}
	return "", errors.New("the lab has no TCP virtual service to load; give a URL, e.g. lvslab load http://172.16.0.45/")
}

func defaultClient(t *topology.Topology) (string, error) {
	if t.Host("client") != nil {
		return "client", nil
	}
	var names []string
	for _, h := range t.Hosts {
		names = append(names, h.Name)
	}
	return "", fmt.Errorf("the lab has no host named client; say where to send from with --from (one of %s)", strings.Join(names, ", "))
}

// writeServerSide prints what each real server says it accepted during the run.
func writeServerSide(w io.Writer, before, after map[string]realserver.Stats) {
	if len(after) == 0 {
		return
	}
	var hosts []string
	for h := range after {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	fmt.Fprintln(w, "\nSeen by the servers during the run:")
	for _, h := range hosts {
		a, b := after[h], before[h]
		line := fmt.Sprintf("  %-10s %8d connections %8d requests", h, a.Connections-b.Connections, a.Requests-b.Requests)
		if d := a.Datagrams - b.Datagrams; d > 0 {
			line += fmt.Sprintf(" %8d datagrams", d)
		}
		fmt.Fprintln(w, line)
	}
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// checkLoadFlags checks the flags together, in the CLI's words, before anything runs.
func checkLoadFlags(cmd *cobra.Command, o *loadgen.Options) error {
	changed := cmd.Flags().Changed
	openLoop := o.Rate != 0 || o.Duration != 0
	switch {
	case (o.Rate != 0) != (o.Duration != 0):
		return errors.New("--rate and --duration go together, as in --rate 500 --duration 10s")
	case o.Rate < 0 || o.Duration < 0:
		return fmt.Errorf("--rate %g --duration %s: want a positive rate and duration", o.Rate, o.Duration)
	case o.Requests < 1 && (!openLoop || changed("requests")):
		return fmt.Errorf("-n %d: want 1 or more requests", o.Requests)
	case o.Concurrency < 1:
		return fmt.Errorf("-c %d: want 1 or more requests at a time", o.Concurrency)
	case !openLoop && o.Concurrency > o.Requests:
		return fmt.Errorf("-c %d is more than -n %d: no more than -n requests can be in flight (ab refuses this too)", o.Concurrency, o.Requests)
	case o.Timeout <= 0 || o.TimeLimit <= 0:
		return fmt.Errorf("--timeout %s, --time-limit %s: want durations above 0", o.Timeout, o.TimeLimit)
	case o.Datagrams < 0:
		return fmt.Errorf("--datagrams %d: want 1 or more", o.Datagrams)
	}
	if openLoop && !changed("requests") {
		o.Requests = 0 // no cap but the duration
	}
	return nil
}

// checkTarget refuses a URL whose host is not one of the lab's own addresses (a host's interface, a
// virtual service), or is a name, which would go to DNS, unless the user allows it.
func checkTarget(l *lab.Lab, target string, allowOutside bool) error {
	key, err := topology.ParseLoadURL(target)
	var name *topology.NameError
	switch {
	case errors.Is(err, topology.ErrNotLoadURL):
		return fmt.Errorf("%q is not a URL such as http://192.168.0.75/ or udp://192.168.0.75:53", target)
	case allowOutside:
		return nil
	case errors.As(err, &name):
		return fmt.Errorf("%s: give one of the lab's addresses, or --allow-outside", err)
	case err != nil:
		return err
	}
	if a := key.Addr.Addr(); !l.Topology.HasAddress(a) {
		return fmt.Errorf("%s is not an address of lab %s (its hosts' and its virtual services'): load goes into the lab only; `lvslab status` lists its addresses, and --allow-outside sends anyway", a, l.Name)
	}
	return nil
}

// loadVerdict is the exit status of a run: it failed if any request failed or it stopped short.
func loadVerdict(res *loadgen.Result, o loadgen.Options) error {
	switch {
	case res.Interrupted:
		return failed(fmt.Errorf("interrupted after %d of %d requests: the report covers those only", res.Requests, o.Requests))
	case res.TimeLimitReached && o.Requests > 0 && res.Requests < o.Requests:
		return failed(fmt.Errorf("--time-limit %s reached after %d of %d requests; raise --time-limit or lower -n", o.TimeLimit, res.Requests, o.Requests))
	case res.Requests > res.Completed:
		return failed(fmt.Errorf("%d of %d requests failed", res.Requests-res.Completed, res.Requests))
	}
	return nil
}
