package realserver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
)

// Stats is what one real server has answered since its lab came up.
type Stats struct {
	Connections uint64 `json:"connections"` // TCP connections accepted by the HTTP server
	Requests    uint64 `json:"requests"`    // HTTP requests answered
	Datagrams   uint64 `json:"datagrams"`   // UDP datagrams answered by the echo server
}

func statsHandler(stats map[string]*counters) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out := map[string]Stats{}
		for host, c := range stats {
			out[host] = c.snapshot()
		}
		json.NewEncoder(w).Encode(out)
	})
}

// AskStats asks a server process, on its control socket, what each of its real servers has answered.
func AskStats(ctx context.Context, control string) (map[string]Stats, error) {
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", control)
		},
	}}
	defer client.CloseIdleConnections()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://lab/stats", nil)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]Stats{}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&out); err != nil {
		return nil, fmt.Errorf("reading the counts: %w", err)
	}
	return out, nil
}
