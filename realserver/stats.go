package realserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
)

// Stats is what one real server has answered since its lab came up, and how its servers are.
type Stats struct {
	Connections uint64 `json:"connections"`     // TCP connections accepted by the HTTP server
	Requests    uint64 `json:"requests"`        // HTTP requests answered
	Datagrams   uint64 `json:"datagrams"`       // UDP datagrams answered by the echo server
	State       string `json:"state,omitempty"` // Serving, Stopped or Hung
}

// controlClient speaks to a server process on its control socket.
func controlClient(control string) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", control)
		},
	}}
}

// maxControlAnswer bounds what a server process's control socket may answer.
const maxControlAnswer = 16 << 20

// AskStats asks a server process, on its control socket, what each of its real servers has answered.
func AskStats(ctx context.Context, control string) (map[string]Stats, error) {
	client := controlClient(control)
	defer client.CloseIdleConnections()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://lab/stats", nil)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]Stats{}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxControlAnswer)).Decode(&out); err != nil {
		return nil, fmt.Errorf("reading the counts: %w", err)
	}
	return out, nil
}

// faultRequest is a fault, as the control socket takes it.
type faultRequest struct {
	Host   string `json:"host"`
	Action string `json:"action"`
}

// AskFault asks a server process, on its control socket, to apply a fault (Stop, Start, Hang, Resume) to
// host's servers, and returns their state after.
func AskFault(ctx context.Context, control, host, action string) (string, error) {
	client := controlClient(control)
	defer client.CloseIdleConnections()
	body, _ := json.Marshal(faultRequest{Host: host, Action: action})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://lab/fault", bytes.NewReader(body))
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxControlAnswer))
	if err != nil {
		return "", fmt.Errorf("reading the server process's answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", errors.New(strings.TrimSpace(string(answer)))
	}
	var st Stats
	if err := json.Unmarshal(answer, &st); err != nil || (st.State != Serving && st.State != Stopped && st.State != Hung) {
		return "", fmt.Errorf("the server process answered %q, expected a state", answer)
	}
	return st.State, nil
}
