package loadgen

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/lvslab/lvslab/wire"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// RunRate sends o.Rate requests per second for o.Duration, on vegeta: an open
// loop, whose rate holds however slowly the servers answer, with at most
// o.Concurrency requests in flight. It stops early at o.TimeLimit or o.Requests.
// When ctx ends first, it returns what was measured so far together with an error.
func RunRate(ctx context.Context, o Options) (*Result, error) {
	o, to, err := prepare(ctx, o, Options.openLoop)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := runContext(ctx, o.TimeLimit)
	defer cancel()

	connect, err := newConnector(to.addr, o.Sources)
	if err != nil {
		return nil, err
	}
	transport := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return connect.dial(ctx)
		},
		DisableKeepAlives:   !o.KeepAlive,
		DisableCompression:  true,
		MaxIdleConnsPerHost: o.Concurrency,
	}
	defer transport.CloseIdleConnections()
	hooks := newRequestHooks(runCtx, transport)
	client := &http.Client{
		Transport:     hooks,
		Timeout:       o.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	// vegeta.Client must come last: KeepAlive, LocalAddr and the like would
	// overwrite parts of it. MaxWorkers bounds the goroutines a slow server
	// would otherwise make vegeta spawn without end.
	attacker := vegeta.NewAttacker(
		vegeta.MaxWorkers(uint64(o.Concurrency)),
		vegeta.MaxBody(0),
		vegeta.Client(client),
	)
	stopAttack := context.AfterFunc(runCtx, func() { attacker.Stop() })

	expected := int(o.Rate * o.Duration.Seconds())
	if o.Requests > 0 {
		expected = min(expected, o.Requests)
	}
	var live counters
	stopProgress := showProgress(o.Progress, expected, &live)

	t := newTally()
	start := time.Now()
	targeter := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: o.URL})
	for r := range attacker.Attack(targeter, pacer(o), o.Duration, "lvslab") {
		out := vegetaOutcome(r, hooks.openedConnection(r.Seq))
		if out.err != nil && runCtx.Err() != nil {
			continue // cut off by the end of the run
		}
		t.add(out)
		live.record(out)
	}
	elapsed := time.Since(start)
	stopped := !stopAttack()
	stopProgress()

	res := t.result(connect.opened.Load(), elapsed)
	res.URL, res.Concurrency, res.KeepAlive, res.Rate = o.URL, o.Concurrency, o.KeepAlive, o.Rate
	return res, endOfRun(ctx, stopped, res)
}

// pacer spaces requests evenly at o.Rate and stops after o.Requests, if set.
func pacer(o Options) vegeta.Pacer {
	rate := vegeta.Rate{Freq: 1, Per: time.Duration(float64(time.Second) / o.Rate)}
	if o.Requests == 0 {
		return rate
	}
	return cappedPacer{ConstantPacer: rate, most: uint64(o.Requests)}
}

type cappedPacer struct {
	vegeta.ConstantPacer
	most uint64
}

func (p cappedPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if hits >= p.most {
		return 0, true
	}
	return p.ConstantPacer.Pace(elapsed, hits)
}

// vegetaOutcome reads a vegeta result: a status code means a whole response;
// otherwise vegeta only has the error's text.
func vegetaOutcome(r *vegeta.Result, openedConnection bool) outcome {
	if r.Code == 0 {
		return outcome{failure: classifyMessage(r.Error), err: errors.New(r.Error), latency: r.Latency}
	}
	resp := response{status: int(r.Code), server: r.Headers.Get(wire.ServerHeader)}
	return answered(resp, openedConnection, r.Latency)
}
