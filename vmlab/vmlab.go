// Package vmlab keeps labs that live in a microVM: where the kernel has no IPVS, lvslab up boots a machine
// (lab/vm.Boot) that outlives the command, brings the lab up inside it, and records the machine in a file
// of the host's state directory; exec, shell, load, status and down then reach into it. Each lab has a
// machine of its own, so that taking one down leaves the others as they are.
package vmlab

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lvslab/lvslab/internal/jsondir"

	"github.com/lvslab/lvslab/lab/vm"
	"github.com/lvslab/lvslab/topology"
)

// Record is what the host keeps of a lab in a machine: written before the machine boots, completed once
// it serves, removed by Down. It holds the machine's secret, so its file is the owner's alone (0600).
type Record struct {
	Lab         string      `json:"lab"`
	Created     time.Time   `json:"created"`
	MachineName string      `json:"machine_name"`      // qemu's -name, chosen before it boots
	Machine     *vm.Machine `json:"machine,omitempty"` // nil while it boots
	dir         string
}

// ErrNotFound says no lab of that name lives in a machine.
var ErrNotFound = errors.New("no such lab in a microVM")

// Dir is the folder of the records under a state directory (lab.StateDir()).
func Dir(stateDir string) string { return filepath.Join(stateDir, "vm") }

func (r *Record) path() string { return filepath.Join(r.dir, r.Lab+".json") }

const maxRecordBytes = 64 << 10

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
	data, err := io.ReadAll(io.LimitReader(f, maxRecordBytes+1))
	if err != nil {
		return nil, err
	}
	r := &Record{dir: dir}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if len(data) > maxRecordBytes || dec.Decode(r) != nil || r.check(name) != nil {
		return nil, fmt.Errorf("the record %s of a lab in a microVM is damaged or not lvslab's (%v): lvslab touches nothing of it; "+
			"remove it once no qemu of that lab runs (pgrep -a qemu)", f.Name(), r.check(name))
	}
	return r, nil
}

func (r *Record) check(name string) error {
	if r.Lab != name || r.Created.IsZero() {
		return fmt.Errorf("it names lab %q, created %v; expected %q", r.Lab, r.Created, name)
	}
	if !strings.HasPrefix(r.MachineName, "lvslab-"+name+"-") || strings.ContainsAny(r.MachineName, "/\x00.") {
		return fmt.Errorf("its machine name %q is not one lvslab gives lab %s", r.MachineName, name)
	}
	m := r.Machine
	if m == nil {
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
	names, err := jsondir.Names(Dir(stateDir))
	if err != nil {
		return nil, err
	}
	var out []*Record
	var errs []error
	for _, n := range names {
		r, err := Open(stateDir, n)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, r)
	}
	return out, errors.Join(errs...)
}

// save writes the record atomically, the owner's alone.
func (r *Record) save() error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(r.dir, "."+r.Lab+".*.tmp")
	if err != nil {
		return err
	}
	_, err = tmp.Write(append(data, '\n'))
	err = errors.Join(err, tmp.Chmod(0o600), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), r.path())
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// claim creates the record of a new lab, failing if one of that name exists.
func claim(stateDir, name string) (*Record, error) {
	dir := Dir(stateDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	suffix := make([]byte, 4)
	rand.Read(suffix)
	r := &Record{Lab: name, Created: time.Now().UTC(), MachineName: "lvslab-" + name + "-" + hex.EncodeToString(suffix), dir: dir}
	f, err := os.OpenFile(r.path(), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("lab %q is already up in a microVM (record %s); use it, pick another name with --name, or run `lvslab down %s` first", name, r.path(), name)
	}
	if err != nil {
		return nil, err
	}
	f.Close()
	return r, r.save()
}

// remove deletes the record, its machine's files and what a crash may have left of its writes.
func (r *Record) remove() {
	stale, _ := filepath.Glob(filepath.Join(r.dir, "."+r.Lab+".*.tmp"))
	for _, f := range append(stale, filepath.Join(r.dir, r.MachineName+".console"), filepath.Join(r.dir, r.MachineName+".qemu")) {
		os.Remove(f)
	}
	os.Remove(r.path())
}

// Up boots a machine for the lab, runs `lvslab up upArgs...` in it (its output to stdout and stderr), and
// records the machine. A failure takes everything down again, the record included.
func Up(ctx context.Context, stateDir, name string, upArgs []string, opts vm.Options, stdout, stderr io.Writer) (*Record, error) {
	r, err := claim(stateDir, name)
	if err != nil {
		return nil, err
	}
	opts.Name = r.MachineName
	m, err := vm.Boot(ctx, opts, r.dir)
	if err != nil {
		r.remove()
		return nil, fmt.Errorf("the microVM: %w", err)
	}
	r.Machine = m
	if err := r.save(); err != nil {
		m.PowerOff(context.WithoutCancel(ctx))
		r.remove()
		return nil, err
	}
	cwd, _ := os.Getwd()
	code, err := r.Run(ctx, append([]string{"up"}, upArgs...), cwd, vm.ExecIO{Stdout: stdout, Stderr: stderr})
	if err == nil && code != 0 {
		err = &ExitError{Code: code}
	}
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		r.Down(context.WithoutCancel(ctx))
		return nil, err
	}
	return r, nil
}

// ExitError is a command in the machine that exited with a status other than 0.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("exit status %d in the microVM", e.Code) }

// Run runs lvslab with args in the machine, natively there, in the host's folder dir (writable from the
// machine), and returns its exit status.
func (r *Record) Run(ctx context.Context, args []string, dir string, eio vm.ExecIO) (int, error) {
	return r.RunRequest(ctx, vm.ExecRequest{Argv: append([]string{"lvslab"}, args...), Dir: dir}, eio)
}

// RunRequest is Run with a request of the caller's (a terminal, say): its environment gets what lvslab
// needs in the machine.
func (r *Record) RunRequest(ctx context.Context, req vm.ExecRequest, eio vm.ExecIO) (int, error) {
	if r.Machine == nil || !r.Machine.Running() {
		return 0, fmt.Errorf("lab %s's microVM is not running (it was stopped, or is still booting): take the lab down with `lvslab down %s`", r.Lab, r.Lab)
	}
	req.Env = append(guestEnv(req.Env), inVMEnv+"=1")
	return r.Machine.Exec(ctx, req, eio)
}

// inVMEnv tells lvslab in the machine that it runs there, so that it acts on its own kernel.
const inVMEnv = "LVSLAB_IN_VM"

// guestEnv is the environment a command in the machine gets: the caller's terminal type and locale, a
// PATH with the usual places, and lvslab's own settings but the host's paths (its state directory and
// cache: the machine has its own).
func guestEnv(extra []string) []string {
	env := []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "TERM", k == "LANG", k == "LC_ALL", k == "COLORTERM":
		case strings.HasPrefix(k, "LVSLAB_") && k != "LVSLAB_STATE_DIR" && k != "LVSLAB_CACHE":
		default:
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// Down takes the lab down in its machine, powers the machine off, and removes the record. A machine
// that is no longer running leaves only its record and files to remove.
func (r *Record) Down(ctx context.Context) error {
	if m := r.Machine; m != nil {
		if m.Running() {
			r.Run(ctx, []string{"down", r.Lab}, "/", vm.ExecIO{})
		}
		if err := m.PowerOff(ctx); err != nil {
			return fmt.Errorf("powering off lab %s's microVM: %w (the record %s is kept; run down again)", r.Lab, err, r.path())
		}
	}
	r.remove()
	return nil
}
