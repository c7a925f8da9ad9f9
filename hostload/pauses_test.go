//go:build linux

package hostload

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lvslab/lvslab/internal/child"
	"github.com/lvslab/lvslab/labtest"
	"github.com/lvslab/lvslab/loadgen"
	"github.com/lvslab/lvslab/realserver"
	"github.com/lvslab/lvslab/topology"
)

// The load runs in a process of its own inside the host; its pauses come back to the caller, which acts
// between two known connections: here rs1's server dies after 3 of 6, and the other 3 are refused.
func TestPausesReachTheCallerBetweenKnownConnections(t *testing.T) {
	l := labtest.New(t, topology.Default())
	ctx := context.Background()
	var at []int
	var seen []uint64
	o := loadgen.Options{URL: "http://172.16.0.45/", Requests: 6, Sequence: true, Pauses: []int{2, 3}, Pause: func(ctx context.Context, ended int) error {
		stats, err := l.ServerStats(ctx)
		at, seen = append(at, ended), append(seen, stats["rs1"].Connections)
		if ended == 3 {
			_, err = l.ServerFault(ctx, "rs1", realserver.Stop)
		}
		return err
	}}
	before, err := l.ServerStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(ctx, l, "director", o, nil)
	if err != nil {
		t.Fatal(err)
	}
	base := before["rs1"].Connections
	if !slices.Equal(at, []int{2, 3}) || !slices.Equal(seen, []uint64{base + 2, base + 3}) {
		t.Errorf("paused after %v connections with rs1 having seen %v more; want 2 then 3, each time as many as ended", at, seen)
	}
	if res.Completed != 3 || res.Failures.Refused != 3 || len(res.Failed) != 3 || res.Failed[0].Index != 3 {
		t.Errorf("completed %d, refused %d, failed %+v; want 3 answered, then 3 refused from the 4th on", res.Completed, res.Failures.Refused, res.Failed)
	}
}

func TestAPauseThatFailsStopsTheLoad(t *testing.T) {
	l := labtest.New(t, topology.Default())
	broken := errors.New("no such fault")
	_, err := Run(context.Background(), l, "director", loadgen.Options{URL: "http://172.16.0.45/", Requests: 6, Pauses: []int{2},
		Pause: func(context.Context, int) error { return broken }}, nil)
	if !errors.Is(err, broken) || !strings.Contains(err.Error(), "after 2 connections") {
		t.Fatalf("error %v, want the pause's, saying where", err)
	}
}

// When the two sides disagree (here the caller expects another pause than the child reaches), the caller
// shuts the pair: the child, waiting for its answer, reads the end of it and stops at once, rather than
// waiting until its context ends.
func TestADisagreementAtAPauseEndsTheLoadAtOnce(t *testing.T) {
	l := labtest.New(t, topology.Default())
	testHookExpected = func(int) int { return 99 }
	t.Cleanup(func() { testHookExpected = nil })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := Run(ctx, l, "director", loadgen.Options{URL: "http://172.16.0.45/", Requests: 6, Pauses: []int{2},
		Pause: func(context.Context, int) error { return nil }}, nil)
	if err == nil || !strings.Contains(err.Error(), `expected "paused 99"`) || errors.Is(err, child.ErrInterrupted) || ctx.Err() != nil {
		t.Fatalf("error %v (context: %v); want the disagreement, told at once", err, ctx.Err())
	}
}
