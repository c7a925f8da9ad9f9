// Package vmlab keeps labs that live in a microVM: where the kernel has no IPVS, lvslab up boots a machine
// (vm.Boot) that outlives the command, brings the lab up inside it, and records the machine in a file
// of the host's state directory; exec, shell, load, status and down then reach into it. Each lab has a
// machine of its own, so that taking one down leaves the others as they are. Up and Down of one lab hold
// its lock: they never run at once, and a Down that finds an Up booting stops it.
package vmlab

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lvslab/lvslab/internal/jsondir"
	"github.com/lvslab/lvslab/internal/proc"
	"github.com/lvslab/lvslab/topology"
	"github.com/lvslab/lvslab/vm"
)

// Record is what the host keeps of a lab in a machine: written before the machine boots, completed with
// the machine as soon as its qemu runs (before it can outlive its up), marked up once the lab is, removed
// by Down. It holds the machine's secret, so its file is the owner's alone (0600).
type Record struct {
	Lab         string      `json:"lab"`
	Created     time.Time   `json:"created"`
	Phase       string      `json:"phase"`             // PhaseBooting, then PhaseUp
	Booter      *Process    `json:"booter,omitempty"`  // the lvslab that brings the lab up, while it boots
	MachineName string      `json:"machine_name"`      // qemu's -name, chosen before it boots
	Share       string      `json:"share,omitempty"`   // the host folder the machine shares read-write
	Machine     *vm.Machine `json:"machine,omitempty"` // nil until its qemu runs
	dir         string
}

// Phases of a lab in a machine.
const (
	PhaseBooting = "booting" // its up is booting the machine, or bringing the lab up in it
	PhaseUp      = "up"
)

// Process names a process across pid reuse.
type Process struct {
	PID       int    `json:"pid"`
	StartTime uint64 `json:"start_time"` // in clock ticks since boot
}

// Running tells whether the process still runs.
func (p *Process) Running() bool { return p != nil && proc.Running(p.PID, p.StartTime) }

func thisProcess() (*Process, error) {
	_, start, err := proc.Stat(os.Getpid())
	return &Process{PID: os.Getpid(), StartTime: start}, err
}

// ErrNotFound says no lab of that name lives in a machine.
var ErrNotFound = errors.New("no such lab in a microVM")

// Dir is the folder of the records under a state directory (lab.StateDir()).
func Dir(stateDir string) string { return filepath.Join(stateDir, "vm") }

func (r *Record) path() string { return filepath.Join(r.dir, r.Lab+".json") }
func lockPath(dir, name string) string {
	p, _ := filepath.Abs(filepath.Join(dir, "."+name+".lock")) // absolute, as /proc shows what holds it
	return p
}

const maxRecordBytes = 64 << 10

// testHookRecordOpened, when set, runs between opening a record and checking it: the window in which a down
// may remove it.
var testHookRecordOpened func()

// Open reads the record of the lab named name. A record is read as untrusted data: bounded, strict, and
// its machine's files must be its own, in the records' folder.
func Open(stateDir, name string) (*Record, error) {
	if err := topology.ValidateName(name); err != nil {
		return nil, fmt.Errorf("lab name: %w", err)
	}
	dir := Dir(stateDir)
	f, err := os.Open(filepath.Join(dir, name+".json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if testHookRecordOpened != nil {
		testHookRecordOpened()
	}
	// The file opened, not the name: a down that removes the record meanwhile must not make it look foreign.
	if err := errors.Join(ownedAloneFile(f), ownedAlone(dir)); err != nil {
		return nil, fmt.Errorf("the record %s of a lab in a microVM is not lvslab's: %v; lvslab touches nothing of it", f.Name(), err)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxRecordBytes+1))
	if err != nil {
		return nil, err
	}
	r := &Record{dir: dir}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err = dec.Decode(r)
	if err == nil && r.Phase == "" && r.Machine != nil {
		r.Phase = PhaseUp // recorded by an lvslab that had no phases: its machine served when it was written
	}
	if len(data) > maxRecordBytes || err != nil || r.check(name) != nil {
		return nil, fmt.Errorf("the record %s of a lab in a microVM is damaged or not lvslab's (%v): lvslab touches nothing of it; "+
			"remove it once no qemu of that lab runs (pgrep -a qemu)", f.Name(), r.check(name))
	}
	return r, nil
}

func (r *Record) check(name string) error {
	switch {
	case r.Lab != name || r.Created.IsZero():
		return fmt.Errorf("it names lab %q, created %v; expected %q", r.Lab, r.Created, name)
	case r.Phase != PhaseBooting && r.Phase != PhaseUp:
		return fmt.Errorf("its phase %q is neither %s nor %s", r.Phase, PhaseBooting, PhaseUp)
	case r.Booter != nil && (r.Booter.PID <= 1 || r.Booter.StartTime == 0):
		return fmt.Errorf("its booter's pid %d, start time %d: expected a pid above 1 and its start time", r.Booter.PID, r.Booter.StartTime)
	case !strings.HasPrefix(r.MachineName, "lvslab-"+name+"-") || strings.ContainsAny(r.MachineName, "/\x00."):
		return fmt.Errorf("its machine name %q is not one lvslab gives lab %s", r.MachineName, name)
	}
	if r.Share != "" {
		if err := vm.CheckShare(r.Share, filepath.Dir(r.dir)); err != nil {
			return fmt.Errorf("its shared folder: %w", err)
		}
	}
	m := r.Machine
	if m == nil {
		if r.Phase == PhaseUp {
			return errors.New("it is up without a machine")
		}
		return nil
	}
	if m.Name != r.MachineName {
		return fmt.Errorf("its machine is named %q, not %q", m.Name, r.MachineName)
	}
	secret, err := hex.DecodeString(m.Secret)
	switch {
	case err != nil || len(secret) != 32:
		return errors.New("its machine's secret is not 32 hex bytes")
	case m.PID <= 1 || m.StartTime == 0:
		return fmt.Errorf("its machine's pid %d, start time %d: expected a pid above 1 and its start time", m.PID, m.StartTime)
	case m.Port < 1 || m.Port > 65535:
		return fmt.Errorf("its machine's port %d", m.Port)
	case m.Console != filepath.Join(r.dir, m.Name+".console") || m.Log != filepath.Join(r.dir, m.Name+".qemu"):
		return errors.New("its machine's files are not in the records' folder under the machine's name")
	}
	return nil
}

// List reads every record, by lab name, and an error for each it could not read.
func List(stateDir string) ([]*Record, error) {
	return jsondir.OpenAll(Dir(stateDir), func(n string) (*Record, error) { return Open(stateDir, n) },
		func(err error) bool { return errors.Is(err, ErrNotFound) })
}

// encode writes the record to a new temporary file of the records' folder, the owner's alone, and
// returns its path; nothing is left of a write that fails (a full disk, say).
func (r *Record) encode() (string, error) {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(r.dir, "."+r.Lab+".*.tmp")
	if err != nil {
		return "", err
	}
	_, err = tmp.Write(append(data, '\n'))
	err = errors.Join(err, tmp.Chmod(0o600), tmp.Sync(), tmp.Close())
	if err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("writing lab %s's record in %s: %w", r.Lab, r.dir, err)
	}
	return tmp.Name(), nil
}

// save replaces the record atomically.
func (r *Record) save() error {
	tmp, err := r.encode()
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, r.path()); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing lab %s's record: %w", r.Lab, err)
	}
	return nil
}

// claim publishes the record of a new lab, whole or not at all, failing if one of that name exists.
func claim(dir, name, share string, booter *Process) (*Record, error) {
	suffix := make([]byte, 4)
	rand.Read(suffix)
	r := &Record{Lab: name, Created: time.Now().UTC(), Phase: PhaseBooting, Booter: booter, Share: share,
		MachineName: "lvslab-" + name + "-" + hex.EncodeToString(suffix), dir: dir}
	tmp, err := r.encode()
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp)
	// link(2) fails if the target exists: two ups of one name cannot both win.
	if err := os.Link(tmp, r.path()); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("lab %q is already up in a microVM (record %s); use it, pick another name with --name, or run `lvslab down %s` first", name, r.path(), name)
		}
		return nil, fmt.Errorf("writing lab %s's record: %w", name, err)
	}
	return r, nil
}

// remove deletes the record, its machine's files and what a crash may have left of its writes.
func (r *Record) remove() {
	removeLeftovers(r.dir, r.Lab)
	for _, f := range []string{filepath.Join(r.dir, r.MachineName+".console"), filepath.Join(r.dir, r.MachineName+".qemu")} {
		os.Remove(f)
	}
	os.Remove(r.path())
}

// removeLeftovers deletes the temporary files a write of the lab's record that died midway left.
func removeLeftovers(dir, name string) {
	stale, _ := filepath.Glob(filepath.Join(dir, "."+name+".*.tmp"))
	for _, f := range stale {
		os.Remove(f)
	}
}
