package lab

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lvslab/lvslab/topology"
)

// goodState is what Up would record for the NAT walkthrough under name in dir.
func goodState(t testing.TB, dir, name string) *State {
	t.Helper()
	s := plan(name, topology.Default(), dir)
	for i := range s.Namespaces {
		s.Namespaces[i].Inode = uint64(4026530000 + i)
	}
	s.Phase = phaseUp
	return s
}

func encode(t testing.TB, s any) string {
	t.Helper()
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestDecodeStateAcceptsWhatUpWrites(t *testing.T) {
	dir := t.TempDir()
	s, err := decodeState(strings.NewReader(encode(t, goodState(t, dir, "lab1"))), dir, "lab1")
	if err != nil {
		t.Fatal(err)
	}
	if s.Topology.Host("rs1") == nil || len(s.Namespaces) != len(s.Topology.Hosts)+1 {
		t.Errorf("decoded %+v", s)
	}
}

// Every state file here once aimed down, status or exec at something the lab did not make, or panicked.
func TestDecodeStateRefusesWhatLvslabWouldNotHaveWritten(t *testing.T) {
	dir := "/run/lvslab-test"
	edit := func(f func(s *State)) string {
		s := goodState(t, dir, "lab1")
		f(s)
		return encode(t, s)
	}
	for _, c := range []struct{ name, content, want string }{
		{"the probe's rs9", `{"name":"lab1","namespaces":[{"name":"lab1-rs9"}]}`, "phase"},
		{"no topology", edit(func(s *State) { s.Topology = nil }), "no topology"},
		{"name only", `{"name":"lab1"}`, "phase"},
		{"another lab's name", edit(func(s *State) { s.Name = "lab2" }), `names lab "lab2"`},
		{"a path as a namespace", edit(func(s *State) { s.Namespaces[1].Name = "../../proc/1/ns/net" }), "../../proc/1/ns/net"},
		{"a stranger's namespace", edit(func(s *State) { s.Namespaces[1].Name = "other-rs1" }), `"other-rs1"`},
		{"a host the topology lacks", edit(func(s *State) {
			s.Namespaces[1] = Namespace{Name: "lab1-rs9", Host: "rs9"}
		}), `host "rs9"`},
		{"a namespace twice", edit(func(s *State) { s.Namespaces[2] = s.Namespaces[1] }), "twice"},
		{"a file elsewhere", edit(func(s *State) { s.Files = append(s.Files, "/etc/passwd") }), `"/etc/passwd"`},
		{"a file by ../", edit(func(s *State) { s.Files = []string{dir + "/../../tmp/x"} }), "is not one lab lab1 makes"},
		{"no creation stamp", edit(func(s *State) { s.Created = time.Time{} }), "no creation stamp"},
		{"a stamp from before this boot", edit(func(s *State) { s.Created = time.Unix(86400, 0) }), "older than this boot"},
		{"a stamp in the future", edit(func(s *State) { s.Created = time.Now().Add(time.Hour) }), "future"},
		{"pid 1 as the server", edit(func(s *State) { s.Server = &Process{PID: 1, StartTime: 5} }), "pid above 1"},
		{"an unknown phase", edit(func(s *State) { s.Phase = "running" }), `phase "running"`},
		{"an invalid topology", edit(func(s *State) { s.Topology.Hosts[0].Name = "../x" }), "topology is not valid"},
		{"garbage", `{garbage`, "1:2"},
		{"two values", edit(func(*State) {}) + `{}`, "more than one"},
		{"oversized", `{"name":"lab1","pad":"` + strings.Repeat("x", maxStateBytes) + `"}`, "larger than"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := decodeState(strings.NewReader(c.content), dir, "lab1")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %+v, %v; want an error containing %q", s, err, c.want)
			}
		})
	}
}

func TestReadStateRefusesANameThatIsAPath(t *testing.T) {
	_, err := readState(t.TempDir(), "../../etc/passwd")
	if err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "not a valid name") {
		t.Errorf("got %v, want the name refused", err)
	}
}

func TestDamagedErrorAdvisesNothingThatWouldTouchOthers(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, statePath(dir, "zz"), "{garbage")
	_, err := readState(dir, "zz")
	var d *DamagedError
	if !errors.As(err, &d) {
		t.Fatalf("got %v, want a DamagedError", err)
	}
	if msg := err.Error(); strings.Contains(msg, "zz-*") || !strings.Contains(msg, "touched nothing") || !strings.Contains(msg, "ip netns pids") {
		t.Errorf("advice: %s", msg)
	}
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
