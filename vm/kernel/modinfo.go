package kernel

import (
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"strings"
)

// modinfo is what a module's .modinfo section says about the modules it needs and the names it answers to.
type modinfo struct {
	name    string
	depends []string // hard dependencies: they export symbols this module uses
	pre     []string // softdep pre: load before, if they exist (may be aliases, e.g. crc32c)
	post    []string // softdep post: load after, if they exist
	aliases []string
}

// readModinfo reads the .modinfo section of an uncompressed .ko file: NUL-separated key=value strings.
func readModinfo(path string) (modinfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return modinfo{}, fmt.Errorf("module %s: %w", path, err)
	}
	defer f.Close()
	return elfModinfo(path, f)
}

// elfModinfo reads the .modinfo section of a module's ELF image; path is for errors.
func elfModinfo(path string, r io.ReaderAt) (modinfo, error) {
	f, err := elf.NewFile(r)
	if err != nil {
		return modinfo{}, fmt.Errorf("module %s: expected an ELF .ko (a compressed one decompressed): %w", path, err)
	}
	sec := f.Section(".modinfo")
	if sec == nil {
		return modinfo{}, fmt.Errorf("module %s has no .modinfo section", path)
	}
	data, err := sec.Data()
	if err != nil {
		return modinfo{}, fmt.Errorf("module %s: reading .modinfo: %w", path, err)
	}
	return parseModinfo(data), nil
}

func parseModinfo(data []byte) modinfo {
	var mi modinfo
	for _, kv := range bytes.Split(data, []byte{0}) {
		key, value, ok := strings.Cut(string(kv), "=")
		if !ok {
			continue
		}
		switch key {
		case "name":
			mi.name = value
		case "depends":
			for _, d := range strings.Split(value, ",") {
				if d != "" {
					mi.depends = append(mi.depends, d)
				}
			}
		case "softdep":
			pre, post := parseSoftdep(value)
			mi.pre = append(mi.pre, pre...)
			mi.post = append(mi.post, post...)
		case "alias":
			mi.aliases = append(mi.aliases, value)
		}
	}
	return mi
}

// parseSoftdep splits "pre: a b post: c" (either part optional) into its two lists.
func parseSoftdep(s string) (pre, post []string) {
	var list *[]string
	for _, w := range strings.Fields(s) {
		switch w {
		case "pre:":
			list = &pre
		case "post:":
			list = &post
		default:
			if list != nil {
				*list = append(*list, w)
			}
		}
	}
	return pre, post
}

// ModName normalizes a module name: the kernel treats '-' and '_' alike and reports '_'.
func ModName(s string) string { return strings.ReplaceAll(s, "-", "_") }
