package vm

import (
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

// A host without 9p shares shares no folder, and CheckShare says why.
func TestCheckShareWithoutNineP(t *testing.T) {
	defer func(was bool) { ninePShares = was }(ninePShares)
	ninePShares = false
	if err := CheckShare("/root/labs"); err == nil || !strings.Contains(err.Error(), "no 9p shares") {
		t.Errorf("got %v, want the folder refused for want of 9p", err)
	}
}
