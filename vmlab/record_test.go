package vmlab

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lvslab/lvslab/vm"
)

func writeRecord(t *testing.T, state string, r any) {
	t.Helper()
	data, _ := json.Marshal(r)
	os.MkdirAll(Dir(state), 0o700)
	if err := os.WriteFile(filepath.Join(Dir(state), "lab1.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func goodRecord(state string) *Record {
	name := "lvslab-lab1-0a0b0c0d"
	return &Record{Lab: "lab1", Created: time.Now().UTC(), Phase: PhaseUp, MachineName: name, Machine: &vm.Machine{
		Name: name, PID: 4242, StartTime: 99, Port: 40000, Secret: strings.Repeat("ab", 32),
		Console: filepath.Join(Dir(state), name+".console"), Log: filepath.Join(Dir(state), name+".qemu")}}
}

// A record of an lvslab from before phases (no phase, a machine) is of a lab that is up.
func TestOpenReadsARecordFromBeforePhasesAsUp(t *testing.T) {
	state := t.TempDir()
	r := goodRecord(state)
	r.Phase = ""
	writeRecord(t, state, r)
	if got, err := Open(state, "lab1"); err != nil || got.Phase != PhaseUp {
		t.Errorf("got %+v, %v", got, err)
	}
}

// A record that another user could have written, or in a folder others may write, is not acted on.
func TestOpenRefusesARecordOthersCouldHaveWritten(t *testing.T) {
	state := t.TempDir()
	writeRecord(t, state, goodRecord(state))
	os.Chmod(filepath.Join(Dir(state), "lab1.json"), 0o666)
	if _, err := Open(state, "lab1"); err == nil || !strings.Contains(err.Error(), "writable by it alone") {
		t.Errorf("a record others may write: %v", err)
	}
	os.Chmod(filepath.Join(Dir(state), "lab1.json"), 0o600)
	os.Chmod(Dir(state), 0o777)
	if _, err := Open(state, "lab1"); err == nil || !strings.Contains(err.Error(), "writable by it alone") {
		t.Errorf("a record in a folder others may write: %v", err)
	}
}

// A record that a down removes while it is being read is read as it was, not taken for someone else's.
func TestOpenReadsARecordRemovedMeanwhile(t *testing.T) {
	state := t.TempDir()
	writeRecord(t, state, goodRecord(state))
	testHookRecordOpened = func() { os.Remove(filepath.Join(Dir(state), "lab1.json")) }
	defer func() { testHookRecordOpened = nil }()
	if r, err := Open(state, "lab1"); err != nil || r.Machine.Port != 40000 {
		t.Errorf("got %+v, %v; want the record as it was", r, err)
	}
	testHookRecordOpened = nil
	if _, err := Open(state, "lab1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("once removed: %v, want ErrNotFound", err)
	}
}

func TestOpenAcceptsWhatUpRecords(t *testing.T) {
	state := t.TempDir()
	writeRecord(t, state, goodRecord(state))
	r, err := Open(state, "lab1")
	if err != nil || r.Machine.Port != 40000 {
		t.Fatalf("got %+v, %v", r, err)
	}
	labs, err := List(state)
	if err != nil || len(labs) != 1 {
		t.Errorf("List: %v, %v", labs, err)
	}
	if _, err := Open(state, "lab2"); err == nil || !strings.Contains(err.Error(), "no such lab") {
		t.Errorf("a lab without a record: %v", err)
	}
}

// A record names a machine lvslab acts on, as root: anything lvslab would not have written is refused.
func TestOpenRefusesARecordLvslabWouldNotWrite(t *testing.T) {
	state := t.TempDir()
	for name, edit := range map[string]func(r *Record){
		"another lab":            func(r *Record) { r.Lab = "lab2" },
		"a stranger's name":      func(r *Record) { r.MachineName = "qemu-other"; r.Machine.Name = "qemu-other" },
		"pid 1":                  func(r *Record) { r.Machine.PID = 1 },
		"no secret":              func(r *Record) { r.Machine.Secret = "" },
		"a port of 0":            func(r *Record) { r.Machine.Port = 0 },
		"files elsewhere":        func(r *Record) { r.Machine.Log = "/etc/passwd" },
		"names disagree":         func(r *Record) { r.Machine.Name = "lvslab-lab1-ffffffff" },
		"an unknown phase":       func(r *Record) { r.Phase = "ready" },
		"up without machine":     func(r *Record) { r.Machine = nil },
		"a booter of pid 1":      func(r *Record) { r.Booter = &Process{PID: 1, StartTime: 5} },
		"the host's /etc shared": func(r *Record) { r.Share = "/etc" },
		"the state shared":       func(r *Record) { r.Share = state },
	} {
		r := goodRecord(state)
		edit(r)
		writeRecord(t, state, r)
		if _, err := Open(state, "lab1"); err == nil || !strings.Contains(err.Error(), "damaged or not lvslab's") {
			t.Errorf("%s: got %v", name, err)
		}
	}
	os.WriteFile(filepath.Join(Dir(state), "lab1.json"), []byte(`{"lab":"lab1","extra":1}`), 0o600)
	if _, err := Open(state, "lab1"); err == nil {
		t.Error("an unknown field accepted")
	}
	if _, err := Open(state, "../x"); err == nil || !strings.Contains(err.Error(), "lab name") {
		t.Errorf("a name that is a path: %v", err)
	}
}
