//go:build unix

package fds

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestChildrenGetOnlyWhatTheyAreGiven(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	// An inherited descriptor: no close-on-exec, as a parent's `200>&1` leaves it.
	inherited, err := unix.Dup(int(w.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(inherited)
	list := func() string {
		out, err := exec.Command("sh", "-c", "ls /proc/self/fd").Output()
		if err != nil {
			t.Fatal(err)
		}
		return " " + strings.Join(strings.Fields(string(out)), " ") + " "
	}
	fd := " " + strconv.Itoa(inherited) + " "
	if !strings.Contains(list(), fd) {
		t.Fatalf("before: the child does not see descriptor %d, so this test proves nothing", inherited)
	}
	if err := CloseOnExecInherited(); err != nil {
		t.Fatal(err)
	}
	if got := list(); strings.Contains(got, fd) {
		t.Errorf("after: the child still holds descriptor %d (%s)", inherited, got)
	}
}
