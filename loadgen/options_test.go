package loadgen

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestOptionsAreValidated(t *testing.T) {
	const url = "http://127.0.0.1:8080/"
	cases := []struct {
		name    string
		o       Options
		openRun bool
		want    string // in the error
	}{
		{"no URL", Options{}, false, "no URL given"},
		{"https", Options{URL: "https://127.0.0.1/"}, false, `URL is https://127.0.0.1/; allowed: an http:// URL`},
		{"no scheme", Options{URL: "127.0.0.1:80"}, false, "allowed: an http:// URL"},
		{"no host", Options{URL: "http:///x"}, false, "a URL with a host"},
		{"negative requests", Options{URL: url, Requests: -1}, false, "Requests is -1; allowed: 0 (the default) or more"},
		{"negative timeout", Options{URL: url, Timeout: -time.Second}, false, "Timeout is -1s"},
		{"concurrency over requests", Options{URL: url, Requests: 5, Concurrency: 6}, false, "Concurrency is 6; allowed: at most Requests (5)"},
		{"rate in the closed loop", Options{URL: url, Rate: 10}, false, "call RunRate"},
		{"bad source", Options{URL: url, Sources: []netip.Addr{{}}}, false, "Sources[0] is invalid IP"},
		{"no rate", Options{URL: url, Duration: time.Second}, true, "Rate is 0; allowed: more than 0"},
		{"no duration", Options{URL: url, Rate: 5}, true, "Duration is 0s; allowed: more than 0"},
		{"time limit under duration", Options{URL: url, Rate: 5, Duration: time.Minute, TimeLimit: time.Second}, true,
			"TimeLimit is 1s; allowed: at least Duration (1m0s)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			if c.openRun {
				_, err = c.o.openLoop()
			} else {
				_, err = c.o.closedLoop()
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one with %q", err, c.want)
			}
		})
	}
}

func TestOptionsDefaults(t *testing.T) {
	closed, err := Options{URL: "http://h/"}.closedLoop()
	if err != nil || closed.Requests != 1 || closed.Concurrency != 1 || closed.Timeout != 10*time.Second || closed.TimeLimit != 5*time.Minute {
		t.Errorf("closed loop defaults: %+v, %v", closed, err)
	}
	open, err := Options{URL: "http://h/", Rate: 1, Duration: 10 * time.Minute}.openLoop()
	if err != nil || open.Concurrency != 1000 || open.TimeLimit != 10*time.Minute+10*time.Second {
		t.Errorf("open loop defaults: %+v, %v", open, err)
	}
}

func TestRunRejectsSourcesOfAnotherFamily(t *testing.T) {
	_, err := Run(context.Background(), Options{URL: "http://127.0.0.1:1/", Sources: []netip.Addr{netip.MustParseAddr("::1")}})
	if err == nil || !strings.Contains(err.Error(), "address families differ") {
		t.Errorf("error %v, want one about address families", err)
	}
}

func TestTargetRequest(t *testing.T) {
	to, err := resolveTarget(context.Background(), "http://localhost:8080/a/b?c=d", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !to.addr.Addr().IsLoopback() || to.addr.Port() != 8080 {
		t.Errorf("resolved to %v", to.addr)
	}
	want := "GET /a/b?c=d HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: lvslab-loadgen\r\nAccept: */*\r\nConnection: close\r\n\r\n"
	if got := string(to.request(false)); got != want {
		t.Errorf("request:\n%q\nwant\n%q", got, want)
	}
	if got := string(to.request(true)); !strings.Contains(got, "Connection: keep-alive\r\n") {
		t.Errorf("keep-alive request: %q", got)
	}
}
