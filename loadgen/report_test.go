package loadgen

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func sampleResult() *Result {
	return &Result{
		URL: "http://192.168.0.75/", Concurrency: 100,
		Requests: 10000, Completed: 9998, Connections: 10000,
		Duration: 2 * time.Second, RequestsPerSecond: 5000,
		PerServer: map[string]*ServerCount{
			"RS1.magedu.com": {Connections: 7499, Requests: 7499},
			"RS2.magedu.com": {Connections: 2499, Requests: 2499},
			UnknownServer:    {Connections: 2, Requests: 2},
		},
		Failures: Failures{Timeout: 2, Example: "no response within 10s"},
		Latency:  Latency{Min: time.Millisecond, Mean: 2 * time.Millisecond, P50: 2 * time.Millisecond, P90: 3 * time.Millisecond, P99: 5 * time.Millisecond, Max: 9 * time.Millisecond},
	}
}

func TestWriteReport(t *testing.T) {
	var b strings.Builder
	sampleResult().WriteReport(&b)
	report := b.String()
	for _, want := range []string{
		"Concurrency Level:     100\n",
		"Complete requests:     9998\n",
		"Failed requests:       2 (timeout 2)\n",
		"Connections opened:    10000\n",
		"Requests per second:   5000.00 [#/sec] (mean)\n",
		"min 1.00  mean 2.00  50% 2.00  90% 3.00  99% 5.00  max 9.00\n",
		"server          connections   share  requests\n" +
			"RS1.magedu.com         7499   75.0%      7499\n" +
			"RS2.magedu.com         2499   25.0%      2499\n" +
			"unknown                   2    0.0%         2\n",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
}

func TestResultRoundTripsThroughJSON(t *testing.T) {
	want := sampleResult()
	data, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var got Result
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&got, want) {
		t.Errorf("after JSON:\n%+v\nwant\n%+v", got, *want)
	}
}
