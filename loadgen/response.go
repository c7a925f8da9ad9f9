package loadgen

import (
	"bytes"
	"io"

	"github.com/lvslab/lvslab/wire"
)

// responseParser reads one HTTP/1.x response at a time from the bytes handed to it as they arrive, keeping
// only what load generation needs: status, server name, framing, persistence. It never blocks and never
// allocates once warm: a line split across two reads is the only thing it copies.
type responseParser struct {
	names map[string]string // server names interned, so a response costs no allocation
	stage parseStage
	head  head
	first bool   // the next line is a status line
	seen  bool   // some byte of this response arrived
	line  []byte // a line begun in an earlier read
	left  int64  // body or chunk bytes still to come
}

type parseStage int

const (
	inHead       parseStage = iota
	inBody                  // left bytes of a Content-Length body
	inChunkSize             // a chunk-size line
	inChunk                 // left bytes of chunk data
	inChunkEnd              // the line ending after chunk data
	inTrailer               // the trailer section's lines
	inUntilClose            // a body that ends when the server closes
	complete
)

// maxLine bounds a status, header, chunk-size or trailer line.
const maxLine = 4096

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

func newResponseParser() *responseParser {
	p := &responseParser{names: map[string]string{}, line: make([]byte, 0, 256)}
	p.start()
	return p
}

// start readies the parser for the next response.
func (p *responseParser) start() {
	p.stage, p.head, p.first, p.seen, p.line, p.left = inHead, head{contentLength: -1}, true, false, p.line[:0], 0
}

// feed takes the bytes that arrived and returns how many of them belong to this response and whether it
// is complete. Bytes past a complete response are not consumed.
func (p *responseParser) feed(data []byte) (int, bool, error) {
	if len(data) > 0 {
		p.seen = true
	}
	used := 0
	for used < len(data) && p.stage != complete {
		switch p.stage {
		case inBody, inChunk:
			n := int(min(p.left, int64(len(data)-used)))
			used += n
			if p.left -= int64(n); p.left == 0 && p.stage == inBody {
				p.stage = complete
			} else if p.left == 0 {
				p.stage = inChunkEnd
			}
		case inUntilClose:
			used = len(data)
		default:
			line, n, whole, err := p.nextLine(data[used:])
			used += n
			if err != nil {
				return used, false, err
			}
			if !whole {
				continue
			}
			if err := p.takeLine(line); err != nil {
				return used, false, err
			}
		}
	}
	return used, p.stage == complete, nil
}

// nextLine returns the next whole line without its ending, or takes in a part of one (whole false).
func (p *responseParser) nextLine(data []byte) (line []byte, used int, whole bool, err error) {
	i := bytes.IndexByte(data, '\n')
	if i < 0 {
		if len(p.line)+len(data) > maxLine {
			return nil, len(data), false, badResponsef("header line longer than %d bytes", maxLine)
		}
		p.line = append(p.line, data...)
		return nil, len(data), false, nil
	}
	line = data[:i]
	if len(p.line) > 0 {
		p.line = append(p.line, line...)
		line = p.line
	}
	if len(line) > maxLine {
		return nil, i + 1, false, badResponsef("header line longer than %d bytes", maxLine)
	}
	p.line = p.line[:0]
	return bytes.TrimRight(line, "\r"), i + 1, true, nil
}

// takeLine acts on one whole line of the stage the parser is in.
func (p *responseParser) takeLine(line []byte) error {
	switch p.stage {
	case inHead:
		return p.headLine(line)
	case inChunkSize:
		size, ok := parseChunkSize(line)
		if !ok {
			return badResponsef("chunked body: chunk size %q", truncate(line))
		}
		p.stage, p.left = inChunk, size
		if size == 0 {
			p.stage = inTrailer
		}
	case inChunkEnd:
		if len(line) != 0 {
			return badResponsef("chunked body: %q after a chunk's data, expected its line ending", truncate(line))
		}
		p.stage = inChunkSize
	case inTrailer:
		if len(line) == 0 {
			p.stage = complete
		}
	}
	return nil
}

func (p *responseParser) headLine(line []byte) error {
	h := &p.head
	if p.first {
		var ok bool
		if h.status, h.http10, ok = parseStatusLine(line); !ok {
			return badResponsef("status line %q", truncate(line))
		}
		p.first = false
		return nil
	}
	if len(line) > 0 {
		return h.parseHeader(line, p.intern)
	}
	switch { // the end of the head
	case h.status >= 100 && h.status < 200: // an interim response: the real one follows
		p.head, p.first = head{contentLength: -1}, true
	case h.status == 204 || h.status == 304:
		p.stage = complete
	case h.chunked:
		p.stage = inChunkSize
	case h.contentLength == 0:
		p.stage = complete
	case h.contentLength > 0:
		p.stage, p.left = inBody, h.contentLength
	default:
		p.stage = inUntilClose
	}
	return nil
}

// response is what the complete response said.
func (p *responseParser) response() response {
	h := p.head
	return response{status: h.status, server: h.server, client: h.client,
		reusable: p.stage == complete && !h.close && (!h.http10 || h.keepAlive)}
}

// end is the server's close: it completes a response whose body runs until then, and cuts short any other.
func (p *responseParser) end() error {
	switch {
	case p.stage == inUntilClose:
		p.stage = complete
		p.head.close = true
		return nil
	case p.stage == complete:
		return nil
	case !p.seen:
		return &noResponseError{io.EOF}
	}
	return io.ErrUnexpectedEOF
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

func (p *responseParser) intern(b []byte) string {
	if s, ok := p.names[string(b)]; ok {
		return s
	}
	s := string(b)
	p.names[s] = s
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

// parseChunkSize parses a chunk-size line: hexadecimal digits, then optional chunk extensions.
func parseChunkSize(line []byte) (int64, bool) {
	digits, _, _ := bytes.Cut(line, []byte(";"))
	digits = bytes.TrimSpace(digits)
	if len(digits) == 0 || len(digits) > 15 {
		return 0, false
	}
	var n int64
	for _, c := range digits {
		switch {
		case c >= '0' && c <= '9':
			n = n<<4 | int64(c-'0')
		case c|0x20 >= 'a' && c|0x20 <= 'f':
			n = n<<4 | int64(c|0x20-'a'+10)
		default:
			return 0, false
		}
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
