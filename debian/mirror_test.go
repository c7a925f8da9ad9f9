package debian

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMirrorFromAptSourcesInBothFormats(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(text), 0o644)
		return p
	}
	ubuntu := write("ubuntu.list", "deb http://archive.ubuntu.com/ubuntu noble main\n")
	others := write("a-others.list", "deb [arch=amd64] https://download.docker.com/linux/debian bookworm stable\n"+
		"deb http://apt.postgresql.org/pub/repos/apt bookworm-pgdg main\n")
	oneLine := write("debian.list", "# deb http://commented.example/debian bookworm main\n"+
		"deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://ftp.de.debian.org/debian/ bookworm main\n"+
		"deb http://security.debian.org/debian-security bookworm-security main\n")
	deb822 := write("debian.sources", "Types: deb-src\nURIs: http://src.example/debian\nSuites: trixie\nComponents: main\n\n"+
		"types: deb\nuris: http://deb.debian.org/debian\nsuites: trixie trixie-updates\ncomponents: main contrib\n\n"+
		"Types: deb\nURIs: http://deb.debian.org/debian-security\nSuites: trixie-security\nComponents: main\n")
	cases := []struct {
		files         []string
		url, security string
	}{
		{[]string{ubuntu}, "", ""},
		{[]string{others, ubuntu, oneLine}, "http://ftp.de.debian.org/debian", "http://security.debian.org/debian-security"},
		{[]string{deb822}, "http://deb.debian.org/debian", "http://deb.debian.org/debian-security"},
	}
	for _, c := range cases {
		m := mirrorInAptSources(c.files)
		if m.URL != c.url || m.Security != c.security {
			t.Errorf("%v: found %q and %q, want %q and %q", c.files, m.URL, m.Security, c.url, c.security)
		}
	}
}

func TestFindMirrorFromFlagOrVariable(t *testing.T) {
	t.Setenv(MirrorEnv, "https://mirror.example/debian/")
	m, err := FindMirror("")
	if err != nil || m.URL != "https://mirror.example/debian" || m.Security != "https://mirror.example/debian-security" {
		t.Errorf("from $%s: %+v, %v", MirrorEnv, m, err)
	}
	m, err = FindMirror("file:///media/usb/archive")
	if err != nil || m.URL != "file:///media/usb/archive" || m.Security != "" || m.From != "--mirror" {
		t.Errorf("from --mirror: %+v, %v", m, err)
	}
	for _, bad := range []string{"ftp://x/debian", "deb.debian.org/debian", "http:///debian", "http://x/debian?a=b"} {
		if _, err := FindMirror(bad); err == nil || !strings.Contains(err.Error(), "--mirror") {
			t.Errorf("FindMirror(%q) = %v, want it refused naming --mirror", bad, err)
		}
	}
}
