package debian

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// Paragraph is one stanza of a Debian control file (deb822): field name to value, a multi-line value's
// lines joined by "\n".
type Paragraph map[string]string

// The bounds of a control file read from a mirror: a Packages index of Debian's main component is about
// 60,000 paragraphs of a few kilobytes, its longest line well under a kilobyte.
const (
	maxLine       = 1 << 20
	maxParagraph  = 4 << 20
	maxParagraphs = 1 << 20
)

// ReadParagraphs calls each with every paragraph of r, keeping only the fields keep accepts (all when keep
// is nil). It refuses a file beyond the bounds above, a line that is no field, and a continuation line
// before any field, saying on which line.
func ReadParagraphs(r io.Reader, keep func(field string) bool, each func(Paragraph) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	p, last, size, count, line := Paragraph{}, "", 0, 0, 0
	flush := func() error {
		if size == 0 {
			return nil
		}
		if count++; count > maxParagraphs {
			return fmt.Errorf("line %d: more than %d paragraphs", line, maxParagraphs)
		}
		err := each(p)
		p, last, size = Paragraph{}, "", 0
		return err
	}
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(bytes.TrimSpace(b)) == 0 {
			if err := flush(); err != nil {
				return err
			}
			continue
		}
		if b[0] == '#' {
			continue
		}
		if size += len(b) + 1; size > maxParagraph {
			return fmt.Errorf("line %d: a paragraph longer than %d bytes", line, maxParagraph)
		}
		if b[0] == ' ' || b[0] == '\t' {
			if size == len(b)+1 {
				return fmt.Errorf("line %d: a continuation line before any field", line)
			}
			if last != "" {
				p[last] += "\n" + string(bytes.TrimSpace(b))
			}
			continue
		}
		name, value, ok := bytes.Cut(b, []byte(":"))
		if !ok || len(name) == 0 || bytes.ContainsAny(name, " \t") {
			return fmt.Errorf("line %d: expected \"Field: value\", found %.60q", line, b)
		}
		last = ""
		if keep == nil || keep(string(name)) {
			last = string(name)
			p[last] = string(bytes.TrimSpace(value))
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("line %d: %w", line+1, err)
	}
	return flush()
}
