package symlink

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
)

// pointerHeader starts a pointer file: a link where symbolic links are out of reach (Windows). Its target
// follows, on one line.
const pointerHeader = "lvslab link\n"

// maxPointer bounds what readPointer reads: a header and a cache entry's name.
const maxPointer = 1024

func writePointer(target, path string) error {
	if target == "" || strings.ContainsAny(target, "/\\\n\x00") {
		return fmt.Errorf("link %s: target %q: expected a name beside it", path, target)
	}
	return os.WriteFile(path, []byte(pointerHeader+target+"\n"), 0o644)
}

// readPointer reads a pointer file as untrusted data: bounded, its header, one name beside it.
func readPointer(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPointer+1))
	if err != nil {
		return "", err
	}
	target, ok := bytes.CutPrefix(data, []byte(pointerHeader))
	target, ended := bytes.CutSuffix(target, []byte("\n"))
	if len(data) > maxPointer || !ok || !ended || len(target) == 0 || bytes.ContainsAny(target, "/\\\n\x00") {
		return "", fmt.Errorf("%s: not a link lvslab made", path)
	}
	return string(target), nil
}
