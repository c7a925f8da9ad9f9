package loadgen

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http/httputil"

	"github.com/lvslab/lvslab/wire"
)

// responseReader reads HTTP/1.x responses, one connection after another, keeping
// only what load generation needs: status, server name, framing, persistence.
type responseReader struct {
	br    *bufio.Reader
	names map[string]string // server names interned, so a response costs no allocation
}

type response struct {
	status   int
	server   string
	client   string // the client address the server saw (wire.ClientHeader), port removed
	reusable bool   // the connection may carry another request
}

// head is a response's status line and the headers that matter here.
type head struct {
	status        int
	http10        bool
	server        string
	client        string
	contentLength int64 // -1: not given
	chunked       bool
	close         bool
	keepAlive     bool
}

func newResponseReader() *responseReader {
	return &responseReader{br: bufio.NewReaderSize(nil, 4096), names: map[string]string{}}
}

func (r *responseReader) reset(conn io.Reader) { r.br.Reset(conn) }

// read reads one whole response, body included.
func (r *responseReader) read() (response, error) {
	h, err := r.readHead()
	for err == nil && h.status >= 100 && h.status < 200 { // interim responses
		h, err = r.readHead()
	}
	if err != nil {
		return response{}, err
	}
	resp := response{status: h.status, server: h.server, client: h.client, reusable: !h.close && (!h.http10 || h.keepAlive)}
	switch {
	case h.status == 204 || h.status == 304:
	case h.chunked:
		err = r.readChunked()
	case h.contentLength >= 0:
		_, err = r.br.Discard(int(h.contentLength))
	default: // the body ends when the server closes
		_, err = io.Copy(io.Discard, r.br)
		resp.reusable = false
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return resp, err
}

// awaitClose reads until the server closes, as a non-keep-alive response ends.
func (r *responseReader) awaitClose() error {
	switch _, err := r.br.ReadByte(); err {
	case io.EOF:
		return nil
	case nil:
		return badResponsef("data after the response")
	default:
		return err
	}
}

func (r *responseReader) readHead() (head, error) {
	h := head{contentLength: -1}
	line, err := r.readLine()
	if err != nil {
		if len(line) == 0 && r.br.Buffered() == 0 {
			return h, &noResponseError{err}
		}
		return h, err
	}
	var ok bool
	if h.status, h.http10, ok = parseStatusLine(line); !ok {
		return h, badResponsef("status line %q", truncate(line))
	}
	for {
		if line, err = r.readLine(); err != nil {
			return h, err
		}
		if len(line) == 0 {
			return h, nil
		}
		if err := h.parseHeader(line, r.intern); err != nil {
			return h, err
		}
	}
}

func (h *head) parseHeader(line []byte, intern func([]byte) string) error {
	name, value, found := bytes.Cut(line, []byte(":"))
	if !found {
		return badResponsef("header line %q", truncate(line))
	}
	value = bytes.TrimSpace(value)
	switch {
	case bytes.EqualFold(name, []byte("Content-Length")):
		n, ok := parseDecimal(value)
		if !ok {
			return badResponsef("Content-Length %q", truncate(value))
		}
		h.contentLength = n
	case bytes.EqualFold(name, []byte("Transfer-Encoding")):
		h.chunked = hasToken(value, "chunked")
	case bytes.EqualFold(name, []byte("Connection")):
		h.close = hasToken(value, "close")
		h.keepAlive = hasToken(value, "keep-alive")
	case bytes.EqualFold(name, []byte(wire.ServerHeader)):
		h.server = intern(value)
	case bytes.EqualFold(name, []byte(wire.ClientHeader)):
		if i := bytes.LastIndexByte(value, ':'); i > 0 {
			value = bytes.Trim(value[:i], "[]")
		}
		h.client = intern(value)
	}
	return nil
}

// readChunked discards a chunked body and its trailer section.
func (r *responseReader) readChunked() error {
	_, err := io.Copy(io.Discard, httputil.NewChunkedReader(r.br))
	var netErr net.Error
	switch {
	case err == nil:
	case errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &netErr):
		return err
	default:
		return badResponsef("chunked body: %v", err)
	}
	for {
		line, err := r.readLine()
		if err != nil || len(line) == 0 {
			return err
		}
	}
}

// readLine returns one line without its line ending; it is valid until the next read.
func (r *responseReader) readLine() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return nil, badResponsef("header line longer than %d bytes", r.br.Size())
	}
	if err != nil {
		return line, err
	}
	return bytes.TrimRight(line, "\r\n"), nil
}

func (r *responseReader) intern(b []byte) string {
	if s, ok := r.names[string(b)]; ok {
		return s
	}
	s := string(b)
	r.names[s] = s
	return s
}

// parseStatusLine parses "HTTP/1.x NNN reason".
func parseStatusLine(line []byte) (status int, http10 bool, ok bool) {
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' ||
		(len(line) > 12 && line[12] != ' ') {
		return 0, false, false
	}
	switch line[7] {
	case '0':
		http10 = true
	case '1':
	default:
		return 0, false, false
	}
	n, ok := parseDecimal(line[9:12])
	return int(n), http10, ok
}

func parseDecimal(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// hasToken reports whether a comma-separated header value holds token, in any case.
func hasToken(value []byte, token string) bool {
	for len(value) > 0 {
		var item []byte
		item, value, _ = bytes.Cut(value, []byte(","))
		if bytes.EqualFold(bytes.TrimSpace(item), []byte(token)) {
			return true
		}
	}
	return false
}

func truncate(b []byte) []byte {
	const most = 64
	if len(b) > most {
		return b[:most]
	}
	return b
}
