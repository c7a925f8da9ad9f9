package lab

import (
	"os"
	"path/filepath"
	"testing"
)

// A user who is not root keeps their records in a folder of their own, never in /run/lvslab.
func TestStateDirIsTheUsersOwnUnlessRoot(t *testing.T) {
	for _, c := range []struct {
		euid           int
		env, xdg, want string
	}{
		{0, "", "/run/user/0", DefaultStateDir},
		{1000, "", "/run/user/1000", "/run/user/1000/lvslab"},
		{1000, "", "", "/home/u/.local/state/lvslab"},
		{1000, "", "relative", "/home/u/.local/state/lvslab"},
		{1000, "/srv/labs", "/run/user/1000", "/srv/labs"},
		{0, "/srv/labs", "", "/srv/labs"},
	} {
		env := map[string]string{"LVSLAB_STATE_DIR": c.env, "XDG_RUNTIME_DIR": c.xdg, "HOME": "/home/u"}
		if got := stateDirFor("linux", c.euid, func(k string) string { return env[k] }); got != c.want {
			t.Errorf("uid %d, $LVSLAB_STATE_DIR %q, $XDG_RUNTIME_DIR %q: %s, want %s", c.euid, c.env, c.xdg, got, c.want)
		}
	}
	env := map[string]string{"XDG_STATE_HOME": "/srv/state"}
	if got := stateDirFor("linux", 1000, func(k string) string { return env[k] }); got != "/srv/state/lvslab" {
		t.Errorf("$XDG_STATE_HOME: %s", got)
	}
	if got := stateDirFor("linux", 1000, func(string) string { return "" }); got != filepath.Join(os.TempDir(), "lvslab-1000") {
		t.Errorf("no home: %s", got)
	}
}

// On a Mac, root or not, records live in the user's Application Support folder: there is no /run.
func TestStateDirOnAMac(t *testing.T) {
	env := map[string]string{"HOME": "/Users/u", "XDG_RUNTIME_DIR": "/run/user/0"}
	for _, euid := range []int{0, 501} {
		if got := stateDirFor("darwin", euid, func(k string) string { return env[k] }); got != "/Users/u/Library/Application Support/lvslab" {
			t.Errorf("macOS, uid %d: %s", euid, got)
		}
	}
	env["LVSLAB_STATE_DIR"] = "/srv/labs"
	if got := stateDirFor("darwin", 501, func(k string) string { return env[k] }); got != "/srv/labs" {
		t.Errorf("macOS with $LVSLAB_STATE_DIR: %s", got)
	}
}

// On Windows, records live in the user's local application data, in a folder of their own beside lvslab's
// cache there.
func TestStateDirOnWindows(t *testing.T) {
	env := map[string]string{"LocalAppData": `C:\Users\u\AppData\Local`}
	if got, want := stateDirFor("windows", -1, func(k string) string { return env[k] }), filepath.Join(env["LocalAppData"], "lvslab", "state"); got != want {
		t.Errorf("Windows: %s, want %s", got, want)
	}
	env["LVSLAB_STATE_DIR"] = `D:\labs`
	if got := stateDirFor("windows", -1, func(k string) string { return env[k] }); got != `D:\labs` {
		t.Errorf("Windows with $LVSLAB_STATE_DIR: %s", got)
	}
}
