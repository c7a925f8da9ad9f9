package vm

import (
	"errors"
	"strings"
	"testing"
)

// A machine's commands run as root: only a folder of the user's is shared with them.
func TestCheckShare(t *testing.T) {
	for dir, want := range map[string]string{
		"/home/ann/lvs":           "",
		"/home/ann":               "",
		"/tmp/lab":                "",
		"/var/tmp/lab":            "",
		"/root":                   "",
		"/root/lvs":               "",
		"/opt/course":             "",
		"/":                       "whole filesystem",
		"/dev":                    "system folder",
		"/dev/pts":                "system folder",
		"/run/lvslab":             "system folder",
		"/proc":                   "system folder",
		"/sys/fs":                 "system folder",
		"/etc":                    "system folder",
		"/usr/local/bin":          "system folder",
		"/var":                    "system folder",
		"/var/lib/lvs":            "system folder",
		"/var/spool/cron":         "system folder",
		"/nix/store":              "system folder",
		"/home":                   "top-level folder",
		"/tmp":                    "top-level folder",
		"/opt":                    "top-level folder",
		"/devices":                "top-level folder",
		"/srv/state":              "lvslab's own",
		"/srv/state/vm":           "lvslab's own",
		"/srv/x/y":                "",
		"relative/dir":            "absolute, clean",
		"/home/ann/../../etc":     "absolute, clean",
		"/home/ann/with\nnewline": "newline",
	} {
		err := CheckShare(dir, "/srv/state")
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: refused: %v", dir, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: got %v, want an error with %q", dir, err, want)
		}
	}
}

func TestCheckShareKeepsOutOfTheKernelCache(t *testing.T) {
	o := Options{Share: "/var/tmp/cache/kernel", Cache: "/var/tmp/cache"}
	if err := o.checkShare(); err == nil || !strings.Contains(err.Error(), "kernel cache") {
		t.Errorf("a folder in the cache: %v", err)
	}
}

func TestQemuOptionEscapesCommas(t *testing.T) {
	if got := qemuOption("/home/a,b"); got != "/home/a,,b" {
		t.Errorf("got %q", got)
	}
	args := strings.Join(qemuArgs(qemuConfig{share: "/home/a,b", agentPort: 1, arch: guestArches[0]}), " ")
	if !strings.Contains(args, "path=/home/a,,b,security_model") {
		t.Errorf("qemu args: %s", args)
	}
}

// A host whose qemu has no 9p shares (Windows) boots nothing, and says why and what to use instead,
// before it looks for qemu or a kernel.
func TestNoBootWithoutNinePShares(t *testing.T) {
	defer func(was bool) { ninePShares = was }(ninePShares)
	ninePShares = false
	_, err := prepare(t.Context(), &Options{Arch: "arm64", Package: "no-such-kernel-package"})
	if !errors.Is(err, errNoNinePShares) || !strings.Contains(err.Error(), "WSL2") {
		t.Errorf("got %v, want the error that says 9p is missing and points at WSL2", err)
	}
}
