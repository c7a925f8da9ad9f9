package debian

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// MirrorEnv names the environment variable that gives the Debian mirror when no --mirror flag does.
const MirrorEnv = "LVSLAB_DEBIAN_MIRROR"

// Mirror is where Debian's archive and its security archive are: root URLs that hold dists/ and pool/.
type Mirror struct {
	URL      string // e.g. http://deb.debian.org/debian
	Security string // e.g. http://deb.debian.org/debian-security; "" if none is known
	From     string // where lvslab found them, for errors
}

// aptSources are the files where apt names its archives.
var aptSources = []string{"/etc/apt/sources.list", "/etc/apt/sources.list.d/*.list", "/etc/apt/sources.list.d/*.sources"}

// FindMirror is the mirror to fetch from: flag, else $LVSLAB_DEBIAN_MIRROR, else the Debian archive the
// host's apt sources name. A mirror given by flag or variable has its security archive beside it when
// its path ends in /debian (…/debian-security), as on deb.debian.org and most mirrors.
func FindMirror(flag string) (Mirror, error) {
	from, root := "--mirror", flag
	if root == "" {
		from, root = "$"+MirrorEnv, os.Getenv(MirrorEnv)
	}
	if root != "" {
		if err := checkRoot(root); err != nil {
			return Mirror{}, fmt.Errorf("mirror %q (from %s): %w", root, from, err)
		}
		m := Mirror{URL: strings.TrimRight(root, "/"), From: from}
		if strings.HasSuffix(m.URL, "/debian") {
			m.Security = m.URL + "-security"
		}
		return m, nil
	}
	var files []string
	for _, pattern := range aptSources {
		found, _ := filepath.Glob(pattern)
		files = append(files, found...)
	}
	m := mirrorInAptSources(files)
	if m.URL == "" {
		return Mirror{}, errors.New("no Debian mirror: expected --mirror URL, $" + MirrorEnv + ", or a Debian archive in apt's sources (" +
			strings.Join(aptSources, ", ") + "), found none; e.g. export " + MirrorEnv + "=http://deb.debian.org/debian")
	}
	return m, nil
}

// mirrorInAptSources is the first Debian archive and security archive that files name, in both of apt's
// formats: one-line ("deb [options] URI suite component…") and deb822 (.sources).
func mirrorInAptSources(files []string) Mirror {
	var m Mirror
	note := func(uri, suite string, components []string, file string) {
		if checkRoot(uri) != nil || !isDebianSuite(suite) || !slices.Contains(components, "main") {
			return
		}
		uri = strings.TrimRight(uri, "/")
		if strings.HasSuffix(suite, "-security") || strings.HasSuffix(suite, "/updates") {
			if m.Security == "" {
				m.Security = uri
			}
		} else if m.URL == "" {
			m.URL, m.From = uri, file
		}
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil || len(data) > 1<<20 {
			continue
		}
		if strings.HasSuffix(file, ".sources") {
			_ = ReadParagraphs(strings.NewReader(string(data)), nil, func(p Paragraph) error {
				field := map[string]string{} // apt reads field names in any case
				for k, v := range p {
					field[strings.ToLower(k)] = v
				}
				if !slices.Contains(strings.Fields(field["types"]), "deb") || strings.EqualFold(field["enabled"], "no") {
					return nil
				}
				for _, uri := range strings.Fields(field["uris"]) {
					for _, suite := range strings.Fields(field["suites"]) {
						note(uri, suite, strings.Fields(field["components"]), file)
					}
				}
				return nil
			})
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			if i := strings.IndexByte(line, '#'); i >= 0 {
				line = line[:i]
			}
			if i := strings.IndexByte(line, '['); i >= 0 { // [arch=amd64 signed-by=…]
				if j := strings.IndexByte(line[i:], ']'); j >= 0 {
					line = line[:i] + line[i+j+1:]
				}
			}
			if f := strings.Fields(line); len(f) >= 4 && f[0] == "deb" {
				note(f[1], f[2], f[3:], file)
			}
		}
	}
	if m.URL == "" {
		return Mirror{}
	}
	return m
}

// isDebianSuite tells a suite of Debian's archive (bookworm, trixie-updates, stable-security…) from
// another distribution's (Ubuntu's noble…) and from other archives' (bookworm-pgdg…).
func isDebianSuite(suite string) bool {
	base, part, _ := strings.Cut(strings.TrimSuffix(suite, "/updates"), "-")
	switch part {
	case "", "updates", "security", "backports", "proposed-updates":
	default:
		return false
	}
	switch base {
	case "buster", "bullseye", "bookworm", "trixie", "forky", "duke", "sid", "stable", "oldstable", "testing", "unstable":
		return true
	}
	return false
}

// checkRoot accepts an archive root lvslab can fetch from: http, https or file, with a host for http(s).
func checkRoot(root string) error {
	u, err := url.Parse(root)
	switch {
	case err != nil:
		return fmt.Errorf("expected a URL: %v", err)
	case u.Scheme == "file" && u.Path != "":
		return nil
	case (u.Scheme == "http" || u.Scheme == "https") && u.Host != "":
		if u.RawQuery != "" || u.Fragment != "" {
			return errors.New("expected a URL without ? or #")
		}
		return nil
	}
	return fmt.Errorf("expected an http://, https:// or file:// URL of an archive root (the folder that holds dists/ and pool/)")
}
