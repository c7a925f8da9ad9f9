package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/lvslab/lvslab/labs"
	"github.com/lvslab/lvslab/loadgen"
	"github.com/lvslab/lvslab/wire"
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
			l, err := selectLab(cmd)
			if err != nil {
				return unusable(err)
			}
			req := labs.LoadRequest{Options: o, From: from, AllowOutside: allowOutside, JSON: jsonFile, Bars: style}
			if len(args) == 1 {
				req.URL = args[0]
			}
			res, err := l.Load(cmd.Context(), req, terminal(cmd))
			if res == nil || err != nil && !res.Interrupted {
				return labError(err)
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
