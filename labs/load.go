package labs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/lvslab/lvslab/assert"
	"github.com/lvslab/lvslab/bars"
	"github.com/lvslab/lvslab/hostload"
	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/loadgen"
	"github.com/lvslab/lvslab/realserver"
	"github.com/lvslab/lvslab/topology"
	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// LoadRequest is a load to send from a lab host: lvslab load's flags, checked.
type LoadRequest struct {
	Options      loadgen.Options
	URL          string // "" for the lab's first TCP virtual service
	From         string // "" for the host named client
	AllowOutside bool   // a URL that is not one of the lab's addresses
	JSON         string // a file for the whole result as JSON, "" for none
	Bars         bars.Style
}

// Load sends the load from a host of the lab on this kernel and reports it on t.Stdout: the generator's
// summary, what each server saw, and the split against the weights. The result comes back even when the
// run was interrupted (with an error).
func (n Native) Load(ctx context.Context, req LoadRequest, t Terminal) (*loadgen.Result, error) {
	l, o := n.Lab, req.Options
	var err error
	if o.URL = req.URL; o.URL == "" {
		if o.URL, err = defaultURL(l.Topology); err != nil {
			return nil, err
		}
	}
	if err := checkTarget(l, o.URL, req.AllowOutside); err != nil {
		return nil, err
	}
	from := req.From
	if from == "" {
		if from, err = defaultClient(l.Topology); err != nil {
			return nil, err
		}
	}
	if _, err := l.Namespace(from); err != nil {
		return nil, err
	}
	before, _ := l.ServerStats(ctx)
	res, err := hostload.Run(ctx, l, from, o, t.Stderr)
	if err != nil && (res == nil || !res.Interrupted) {
		return nil, err
	}
	after, _ := l.ServerStats(context.WithoutCancel(ctx))
	w := t.Stdout
	fmt.Fprintf(w, "load from %s to %s\n\n", from, o.URL)
	res.WriteReport(w)
	writeServerSide(w, before, after)
	writeLoadBars(w, l, o.URL, res, req.Bars)
	if req.JSON != "" {
		if werr := writeJSON(req.JSON, res); werr != nil {
			return nil, werr
		}
	}
	return res, err
}

// Load runs lvslab load in the lab's machine, with the request as its flags; its report comes to t, and
// its verdict as its exit status (no result comes back).
func (v InVM) Load(ctx context.Context, req LoadRequest, t Terminal) (*loadgen.Result, error) {
	return nil, v.Lvslab(ctx, LoadArgs(v.Name(), req), t)
}

// LoadArgs is lvslab load's command line for req in the lab named lab: what a lab's machine runs.
func LoadArgs(lab string, req LoadRequest) []string {
	o := req.Options
	args := []string{"load", "--lab", lab, "-c", strconv.Itoa(o.Concurrency),
		"--timeout", o.Timeout.String(), "--time-limit", o.TimeLimit.String(), "--bars", req.Bars.String()}
	if o.Requests > 0 { // 0: an open loop that only its duration ends
		args = append(args, "-n", strconv.Itoa(o.Requests))
	}
	if o.KeepAlive {
		args = append(args, "--keepalive")
	}
	if o.Datagrams > 0 {
		args = append(args, "--datagrams", strconv.Itoa(o.Datagrams))
	}
	if o.Rate > 0 {
		args = append(args, "--rate", strconv.FormatFloat(o.Rate, 'g', -1, 64), "--duration", o.Duration.String())
	}
	if req.From != "" {
		args = append(args, "--from", req.From)
	}
	if req.JSON != "" {
		args = append(args, "--json", req.JSON)
	}
	if req.AllowOutside {
		args = append(args, "--allow-outside")
	}
	if req.URL != "" {
		args = append(args, "--", req.URL)
	}
	return args
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
