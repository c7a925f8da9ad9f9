package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/labtest"
)

// ownMountsEnv marks a test binary re-run in a mount namespace of its own.
const ownMountsEnv = "LVSLAB_TEST_OWN_MOUNTS"

// inOwnMountNamespace re-runs the calling test in a mount namespace of its own, private (so nothing it
// mounts or unmounts reaches this machine's labs), and returns true there; in the caller it returns
// false once the re-run has passed or failed.
func inOwnMountNamespace(t *testing.T) bool {
	t.Helper()
	if os.Getenv(ownMountsEnv) == "1" {
		return true
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"-test.run=^" + t.Name() + "$", "-test.count=1", "-test.v"}
	if d, ok := t.Deadline(); ok {
		args = append(args, "-test.timeout="+time.Until(d).Round(time.Second).String())
	}
	cmd := exec.Command(self, args...)
	cmd.Env = append(os.Environ(), ownMountsEnv+"=1")
	// Go's exec also makes every mount of the new namespace private (MS_REC|MS_PRIVATE on /).
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	out, err := cmd.CombinedOutput()
	t.Logf("in a mount namespace of its own:\n%s", out)
	if err != nil {
		t.Errorf("the test failed in its own mount namespace: %v", err)
	}
	return false
}

// neverRanIPNetns makes this mount namespace look as a machine where `ip netns add` has not run yet:
// /run/netns not a mount of its own.
func neverRanIPNetns(t *testing.T) {
	for range 10 {
		if err := unix.Unmount(lab.NetnsDir, unix.MNT_DETACH); err != nil {
			return // EINVAL, not a mount point; ENOENT, not there
		}
	}
	t.Fatalf("%s is still a mount point after 10 unmounts", lab.NetnsDir)
}

// netnsMounts are the mounts whose mount point is under /run/netns and whose name starts with prefix,
// hidden ones included, from this process's mountinfo: "mount point root".
func netnsMounts(t *testing.T, prefix string) []string {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && strings.HasPrefix(f[4], filepath.Join(lab.NetnsDir, prefix)) {
			out = append(out, f[4]+" "+f[3])
		}
	}
	return out
}

// processesIn lists the processes in any of the network namespaces named ("net:[N]").
func processesIn(t *testing.T, namespaces map[string]bool) []string {
	t.Helper()
	links, _ := filepath.Glob("/proc/[0-9]*/ns/net")
	var out []string
	for _, l := range links {
		if target, err := os.Readlink(l); err == nil && namespaces[target] {
			out = append(out, l)
		}
	}
	return out
}

// iproute2's `ip netns add`, the first time it runs, binds /run/netns onto itself with everything
// mounted under it: a lab's namespaces are then mounted twice, once beneath the new mount. down must
// still take the lab down whole, whether the other namespace is gone by then or not, status must see
// the lab whole meanwhile, and a mount down cannot prove is a copy of the lab's must stop it.
func TestDownAfterIPNetnsAdd(t *testing.T) {
	labtest.RequireRoot(t)
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs iproute2's ip")
	}
	if !inOwnMountNamespace(t) {
		return
	}
	for _, tc := range []struct {
		what string
		// otherDuringDown: the other namespace is still there when down runs; stranger: a file of someone
		// else's is bound over the lab's rs1 namespace.
		otherDuringDown, stranger bool
	}{
		{what: "other namespace deleted"},
		{what: "other namespace still there", otherDuringDown: true},
		{what: "a stranger's file bound over the lab's namespace", otherDuringDown: true, stranger: true},
	} {
		t.Run(tc.what, func(t *testing.T) {
			neverRanIPNetns(t)
			c, name := newCLI(t), labName()
			other := "o" + name
			t.Cleanup(func() {
				unix.Unmount(filepath.Join(lab.NetnsDir, name+"-rs1"), 0)
				c.run("down", name)
				exec.Command("ip", "netns", "del", other).Run()
			})
			c.expect(0, "up", "--vm=never", "--name", name)
			namespaces := map[string]bool{}
			for _, m := range netnsMounts(t, name+"-") {
				namespaces[strings.Fields(m)[1]] = true
			}
			if len(namespaces) == 0 {
				t.Fatalf("up made no namespace mounts under %s", lab.NetnsDir)
			}
			whole := func(when string) {
				t.Helper()
				out := c.expect(0, "status", name)
				if !strings.Contains(out, "lab "+name+": up") || strings.Contains(out, "problem") {
					t.Errorf("status %s:\n%s", when, out)
				}
			}
			ip := func(args ...string) {
				t.Helper()
				if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
					t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
				}
			}
			ip("netns", "add", other)
			if copies := netnsMounts(t, name+"-"); len(copies) != 2*len(namespaces) {
				t.Fatalf("ip netns add did not copy each of the lab's %d namespace mounts: %v", len(namespaces), copies)
			}
			whole("after ip netns add")
			if !tc.otherDuringDown {
				ip("netns", "del", other)
				whole("after ip netns del")
			}
			if tc.stranger {
				rs1 := filepath.Join(lab.NetnsDir, name+"-rs1")
				stranger := filepath.Join(t.TempDir(), "stranger")
				if err := os.WriteFile(stranger, nil, 0o444); err != nil {
					t.Fatal(err)
				}
				if err := unix.Mount(stranger, rs1, "", unix.MS_BIND, ""); err != nil {
					t.Fatal(err)
				}
				out := c.expect(exitUnusable, "down", name)
				if !strings.Contains(out, "namespace "+name+"-rs1") || !strings.Contains(out, "left alone") {
					t.Errorf("down with a stranger's file over rs1's namespace printed:\n%s", out)
				}
				if m := netnsMounts(t, name+"-"); len(m) != 3 || !strings.HasPrefix(m[0], rs1+" ") {
					t.Errorf("down touched a file with a mount it cannot prove is the lab's: %s now has %v", rs1, m)
				}
				if err := unix.Unmount(rs1, 0); err != nil {
					t.Fatal(err)
				}
			}
			if out := c.expect(0, "down", name); !strings.Contains(out, "lab "+name+" is down") {
				t.Errorf("down printed:\n%s", out)
			}
			if left := netnsMounts(t, name+"-"); len(left) > 0 {
				t.Errorf("mounts left under %s: %v", lab.NetnsDir, left)
			}
			if files, _ := filepath.Glob(filepath.Join(lab.NetnsDir, name+"-*")); len(files) > 0 {
				t.Errorf("files left under %s: %v", lab.NetnsDir, files)
			}
			if ps := processesIn(t, namespaces); len(ps) > 0 {
				t.Errorf("processes left in the lab's namespaces: %v", ps)
			}
			if _, err := os.Stat(filepath.Join(c.stateDir, name+".json")); !os.IsNotExist(err) {
				t.Errorf("the state file is still there: %v", err)
			}
			if out := c.expect(0, "status"); strings.Contains(out, name) {
				t.Errorf("status after down:\n%s", out)
			}
			if tc.otherDuringDown {
				if m := netnsMounts(t, other); len(m) != 1 {
					t.Errorf("down touched the other namespace: its mounts are %v", m)
				}
				ip("netns", "del", other)
			}
		})
	}
}
