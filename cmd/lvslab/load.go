package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/loadgen"
	"github.com/lvslab/lvslab/scenarios"
	"github.com/lvslab/lvslab/topology"
	"github.com/lvslab/lvslab/topology/ipvsadm"
)

func newLoadCommand() *cobra.Command {
	var o loadgen.Options
	var from, jsonFile string
	cmd := &cobra.Command{
		Use:   "load [-n N] [-c C] [-k] [--from HOST] [--rate R --duration D] [URL]",
		Short: "Send HTTP load from a lab host and count which real server took each connection",
		Long: `Send HTTP load from inside a lab host (the host named "client" unless --from says otherwise), the way
ab does: -n requests in all, -c at a time, each on a NEW TCP connection unless -k asks for keep-alive.
IPVS balances connections, not requests, so lvslab counts connections per real server, from the
X-Real-Server header of each response, and asks the servers what they saw too.

A udp:// URL (udp://192.168.0.75:53) sends datagrams instead, each request from a new socket, to the
lab's UDP echo servers, which name themselves in the reply.

With --rate and --duration the load is open-loop instead: R requests a second for D, whatever the
latency (built on vegeta).

URL defaults to the first TCP virtual service of the lab's topology. The run is bounded: it stops after
-n requests or --time-limit, whichever comes first. Exit status 1 when any request failed.`,
		Example: `  sudo lvslab load -n 10000 -c 100                    # ab -n 10000 -c 100 http://VIP/ from the client
  sudo lvslab load -n 10000 -c 50 --from director http://172.16.0.45/
  sudo lvslab load --rate 500 --duration 10s http://192.168.0.75/
  sudo lvslab load -n 1000 --json result.json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := selectLab(cmd)
			if err != nil {
				return unusable(err)
			}
			if len(args) == 1 {
				o.URL = args[0]
			} else if o.URL, err = defaultURL(l.Topology); err != nil {
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
			res, err := scenarios.RunLoad(cmd.Context(), l, from, o, cmd.ErrOrStderr())
			if err != nil {
				return unusable(err)
			}
			after, _ := l.ServerStats(cmd.Context())
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "load from %s to %s\n\n", from, o.URL)
			res.WriteReport(w)
			writeServerSide(w, before, after)
			if jsonFile != "" {
				if err := writeJSON(jsonFile, res); err != nil {
					return err
				}
			}
			if n := res.Requests - res.Completed; n > 0 {
				return failed(fmt.Errorf("%d of %d requests failed", n, res.Requests))
			}
			return nil
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
	return cmd
}

// defaultURL is the first TCP virtual service of the topology.
func defaultURL(t *topology.Topology) (string, error) {
	if s := t.FirstService(ipvsadm.TCP); s != nil {
		return "http://" + s.Addr.String() + "/", nil
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
func writeServerSide(w io.Writer, before, after map[string]lab.ServerStats) {
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
