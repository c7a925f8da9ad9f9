package hostload

import (
	"context"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/labtest"
	"github.com/lvslab/lvslab/topology"

	"github.com/lvslab/lvslab/loadgen"
)

func TestRunCountsEveryConnectionAsTheServerDoes(t *testing.T) {
	l := labtest.New(t, topology.Default())
	ctx := context.Background()
	before, err := l.ServerStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const n = 3000
	res, err := Run(ctx, l, "director", loadgen.Options{URL: "http://172.16.0.45/", Requests: n, Concurrency: 50}, nil)
	if err != nil {
		t.Fatal(err)
	}
	after, err := l.ServerStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Completed != n || res.Connections != n || res.Failures.Total() != 0 {
		t.Errorf("want %d requests completed on %d connections and no failure; got %d completed, %d connections, failures %+v",
			n, n, res.Completed, res.Connections, res.Failures)
	}
	if got := res.PerServer["rs1"]; got == nil || got.Connections != n || len(res.PerServer) != 1 {
		t.Errorf("want all %d connections answered by rs1; got %v", n, res.PerServer)
	}
	if seen := after["rs1"].Connections - before["rs1"].Connections; seen != n {
		t.Errorf("rs1 accepted %d connections during the run; the load generator opened %d", seen, n)
	}
}

func TestRunCountsRefusedConnections(t *testing.T) {
	l := labtest.New(t, topology.Default())
	res, err := Run(context.Background(), l, "director", loadgen.Options{URL: "http://172.16.0.45:81/", Requests: 20, Concurrency: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Completed != 0 || res.Failures.Refused != 20 {
		t.Errorf("want 20 requests refused (nothing listens on port 81); got %d completed, failures %+v", res.Completed, res.Failures)
	}
}

func TestRunNamesTheHostsWhenTheHostIsUnknown(t *testing.T) {
	l := labtest.New(t, topology.Default())
	_, err := Run(context.Background(), l, "nosuchhost", loadgen.Options{URL: "http://172.16.0.45/"}, nil)
	if err == nil || !strings.Contains(err.Error(), "director") {
		t.Errorf("want an error naming the lab's hosts, got %v", err)
	}
}

func TestMain(m *testing.M) { labtest.Main(m) }
