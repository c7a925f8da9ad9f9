package loadgen

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/wire"
)

func TestResponseParser(t *testing.T) {
	cases := []struct {
		name  string
		input string
		want  response
		fail  failureClass // noFailure: the response reads whole
	}{
		{"content length", "HTTP/1.1 200 OK\r\n" + wire.ServerHeader + ": rs1\r\nContent-Length: 5\r\n\r\nhello",
			response{status: 200, server: "rs1", reusable: true}, noFailure},
		{"header names in any case", "HTTP/1.1 200 OK\r\nx-real-server:  rs2 \r\ncontent-length:0\r\n\r\n",
			response{status: 200, server: "rs2", reusable: true}, noFailure},
		{"chunked with trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1;ext=1\r\n!\r\n0\r\nX-Sum: 1\r\n\r\n",
			response{status: 200, reusable: true}, noFailure},
		{"connection close", "HTTP/1.1 302 Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
			response{status: 302}, noFailure},
		{"http/1.0 closes by default", "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
			response{status: 200}, noFailure},
		{"http/1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n",
			response{status: 200, reusable: true}, noFailure},
		{"body until close", "HTTP/1.1 200 OK\r\n\r\nall of it",
			response{status: 200}, noFailure},
		{"no body for 204", "HTTP/1.1 204 No Content\r\n\r\n",
			response{status: 204, reusable: true}, noFailure},
		{"interim response skipped", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n",
			response{status: 500, reusable: true}, noFailure},
		{"not http", "SSH-2.0-OpenSSH_9.2\r\n\r\n", response{}, badResponse},
		{"bad status code", "HTTP/1.1 2x0 OK\r\n\r\n", response{}, badResponse},
		{"bad content length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", response{}, badResponse},
		{"header without colon", "HTTP/1.1 200 OK\r\nnonsense\r\n\r\n", response{}, badResponse},
		{"chunk data longer than its size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n0\r\n\r\n", response{}, badResponse},
		{"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", response{}, badResponse},
		{"header too long", "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", 5000) + "\r\n\r\n", response{}, badResponse},
		{"body cut short", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", response{}, shortResponse},
		{"chunk cut short", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhe", response{}, shortResponse},
		{"head cut short", "HTTP/1.1 200 OK\r\nContent-Le", response{}, shortResponse},
		{"nothing at all", "", response{}, noResponse},
	}
	for _, c := range cases {
		for _, piece := range []int{len(c.input) + 1, 7, 1} { // whole, in pieces, a byte at a time
			t.Run(fmt.Sprintf("%s/%d bytes at a time", c.name, piece), func(t *testing.T) {
				got, rest, err := parseResponse(newResponseParser(), c.input, piece)
				if c.fail != noFailure {
					if err == nil || classify(err) != c.fail {
						t.Fatalf("parse error %v, want class %d", err, c.fail)
					}
					return
				}
				if err != nil || got != c.want {
					t.Fatalf("parse = %+v, %v; want %+v", got, err, c.want)
				}
				if rest != "" {
					t.Errorf("the response was not read to its end: %q left", rest)
				}
			})
		}
	}
}

// parseResponse feeds input to p piece bytes at a time, as reads would bring it, and then the server's
// close if the response has not ended before. It returns the response and what came after it.
func parseResponse(p *responseParser, input string, piece int) (response, string, error) {
	for len(input) > 0 {
		n := min(piece, len(input))
		used, done, err := p.feed([]byte(input[:n]))
		if err != nil {
			return response{}, "", err
		}
		input = input[used:]
		if done {
			return p.response(), input, nil
		}
	}
	if err := p.end(); err != nil {
		return response{}, "", err
	}
	return p.response(), "", nil
}

func TestResponseParserReadsResponsesInTurn(t *testing.T) {
	p := newResponseParser()
	rest := strings.Repeat("HTTP/1.1 200 OK\r\n"+wire.ServerHeader+": rs1\r\nContent-Length: 2\r\n\r\nok", 3)
	for i := range 3 {
		got, left, err := parseResponse(p, rest, 5)
		if err != nil || got.server != "rs1" || !got.reusable {
			t.Fatalf("response %d: %+v, %v", i, got, err)
		}
		rest = left
		p.start()
	}
	var none *noResponseError
	if err := p.end(); !errors.As(err, &none) {
		t.Errorf("after the last response: %v, want a noResponseError", err)
	}
}

func TestResponseParserTakesTheClientTheServerSaw(t *testing.T) {
	for header, want := range map[string]string{
		"192.168.0.100:51234": "192.168.0.100",
		"[fd00::1]:80":        "fd00::1",
	} {
		resp, _, err := parseResponse(newResponseParser(), "HTTP/1.1 200 OK\r\n"+wire.ClientHeader+": "+header+"\r\nContent-Length: 0\r\n\r\n", 64)
		if err != nil || resp.client != want {
			t.Errorf(wire.ClientHeader+" %s: got client %q (%v), want %q", header, resp.client, err, want)
		}
	}
}
