package lab

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lvslab/lvslab/internal/needs"

	"github.com/lvslab/lvslab/topology"
)

// strangerNamespace makes a namespace lvslab's lab did not make, as another tool would, with a process
// in it, and removes both when the test ends.
func strangerNamespace(t *testing.T, name string) (pid int) {
	t.Helper()
	needs.Root(t)
	ino, err := createNamespace(name)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sleep", "300")
	if err := inNamespace(netnsPath(name), cmd.Start); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		deleteNamespace(name, ino)
	})
	return cmd.Process.Pid
}

func requireUntouched(t *testing.T, ns string, pid int) {
	t.Helper()
	if _, err := os.Stat(netnsPath(ns)); err != nil {
		t.Errorf("the stranger's namespace %s is gone: %v", ns, err)
	}
	if !alive(pid) {
		t.Errorf("the stranger's process %d in %s was killed", pid, ns)
	}
}

// A state file that claims a namespace lvslab did not make, by a path or by an unrecorded entry, must not
// get down to touch it, nor the files it lists.
func TestDownTouchesNothingAStateFileCannotProve(t *testing.T) {
	name := uniqueName(t)
	stranger := NamespaceName(name, "rs1")
	pid := strangerNamespace(t, stranger)
	dir := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim")
	writeFile(t, victim, "keep me")

	for _, c := range []struct {
		what    string
		content func() string
		want    string // in Down's error; empty: Down succeeds and reports what it left alone
	}{
		{"the probe's file", func() string { return `{"name":"` + name + `","namespaces":[{"name":"` + stranger + `"}]}` }, "damaged"},
		{"a path into /proc", func() string {
			s := goodState(t, dir, name)
			s.Namespaces[1].Name = "../../proc/" + strconv.Itoa(pid) + "/ns/net"
			return encode(t, s)
		}, "damaged"},
		{"files elsewhere", func() string {
			s := goodState(t, dir, name)
			s.Files = append(s.Files, victim)
			return encode(t, s)
		}, "damaged"},
		{"a recorded inode that is not the namespace's", func() string { return encode(t, goodState(t, dir, name)) }, "is not the one lab " + name + " made"},
		{"an entry Up could not record, older than the plan", func() string {
			s := goodState(t, dir, name)
			for i := range s.Namespaces {
				s.Namespaces[i].Inode = 0
			}
			// Later than the stranger by more than the 10 ms the kernel's file clock may lag.
			s.Created = time.Now().Add(100 * time.Millisecond)
			return encode(t, s)
		}, ""},
	} {
		t.Run(c.what, func(t *testing.T) {
			writeFile(t, statePath(dir, name), c.content())
			l, err := OpenIn(dir, name)
			if err == nil {
				err = l.Down(context.Background())
			}
			switch {
			case c.want == "" && err != nil:
				t.Errorf("Down: %v", err)
			case c.want == "" && !strings.Contains(strings.Join(l.LeftAlone(), "\n"), stranger):
				t.Errorf("Down did not report leaving %s alone: %q", stranger, l.LeftAlone())
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("got %v, want an error containing %q", err, c.want)
			}
			requireUntouched(t, stranger, pid)
			if _, err := os.Stat(victim); err != nil {
				t.Errorf("the file the state listed was removed: %v", err)
			}
			os.Remove(statePath(dir, name))
		})
	}
}

func TestExecRefusesANamespaceTheLabDidNotMake(t *testing.T) {
	l := upDefault(t)
	ns := l.state.Namespaces[1]
	deleteNamespace(ns.Name, ns.Inode)
	if _, err := l.Namespace(ns.Host); err == nil || !strings.Contains(err.Error(), "is gone") || !strings.Contains(err.Error(), "lvslab down "+l.Name) {
		t.Errorf("namespace deleted: got %v, want it said gone, with what to do", err)
	}
	pid := strangerNamespace(t, ns.Name)
	if _, err := l.Namespace(ns.Host); err == nil || !strings.Contains(err.Error(), "is not the one lab") {
		t.Errorf("namespace replaced: got %v, want a refusal", err)
	}
	requireUntouched(t, ns.Name, pid)
}

// Two downs of one lab at once both succeed, and leave neither the state file nor a lock behind.
func TestConcurrentDownsOfOneLab(t *testing.T) {
	needs.Root(t)
	dir := t.TempDir()
	for round := range 5 {
		name := uniqueName(t)
		if _, err := Up(context.Background(), topology.Default(), Options{Name: name, StateDir: dir, WithoutIPVS: noIPVS()}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				l, err := OpenIn(dir, name)
				if errors.Is(err, ErrNotFound) {
					return // the other was quicker
				}
				if err == nil {
					err = l.Down(context.Background())
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Errorf("round %d: %v", round, err)
		}
		if left, _ := os.ReadDir(dir); len(left) > 0 {
			t.Errorf("round %d: the state directory still holds %v", round, left)
		}
		if ns := labNamespaces(name); len(ns) > 0 {
			t.Errorf("round %d: namespaces left: %v", round, ns)
		}
	}
}
