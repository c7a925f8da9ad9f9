package vmlab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/lvslab/lvslab/internal/lockfile"
	"github.com/lvslab/lvslab/topology"
	"github.com/lvslab/lvslab/vm"
	"github.com/lvslab/lvslab/vm/proto"
)

// Up boots a machine for the lab, runs `lvslab up upArgs...` in it (its output to stdout and stderr), and
// records the machine. The machine shares the folder Up runs in read-write, unless that is a system folder
// or holds lvslab's state (stderr then says it shares none). Up holds the lab's lock throughout. A failure, or ctx ending (a Down stops an Up so), takes everything down again, the record
// included. A record an earlier Up left when it died midway is cleared first, its machine stopped.
func Up(ctx context.Context, stateDir, name string, upArgs []string, opts vm.Options, stdout, stderr io.Writer) (*Record, error) {
	if err := topology.ValidateName(name); err != nil {
		return nil, fmt.Errorf("lab name: %w", err)
	}
	dir := Dir(stateDir)
	lock, err := lockRecords(stateDir, name)
	if err != nil {
		return nil, err
	}
	defer lock.Release(true)
	if err := clearAbandoned(ctx, stateDir, name, stderr); err != nil {
		return nil, err
	}
	me, err := thisProcess()
	if err != nil {
		return nil, err
	}
	cwd, _ := os.Getwd()
	var topo []byte // the topology file, sent as up's stdin where the machine cannot read the host's
	if !vm.SharesHostFolders() {
		if upArgs, topo, err = topologyOnStdin(upArgs, cwd); err != nil {
			return nil, err
		}
		if f := vm.HostFileArg(upArgs, cwd); f != "" {
			return nil, fmt.Errorf("%s is a file of this host, which the microVM cannot read: this host's qemu has no 9p shares (Windows); "+
				"name only the topology file (-f), or run lvslab in WSL2", f)
		}
	}
	opts.Share = shareable(cwd, stateDir, stderr)
	r, err := claim(dir, name, opts.Share, me)
	if err != nil {
		return nil, err
	}
	opts.Name = r.MachineName
	opts.OnStart = func(m *vm.Machine) error {
		beforeRecord()
		r.Machine = m
		return r.save()
	}
	if _, err := vm.Boot(ctx, opts, dir); err != nil {
		r.remove() // Boot stopped the qemu it started
		return nil, fmt.Errorf("the microVM: %w", err)
	}
	afterBoot()
	upCtx, cancel := context.WithTimeout(ctx, upInMachineWait)
	runIn := cwd
	if proto.GuestOwn(cwd) || !strings.HasPrefix(cwd, "/") {
		runIn = "/" // the machine has a /run of its own, say, or cannot see a Windows folder: this folder is not there
	}
	eio := vm.ExecIO{Stdout: stdout, Stderr: stderr}
	if topo != nil {
		eio.Stdin = bytes.NewReader(topo)
	}
	code, err := r.Run(upCtx, append([]string{"up"}, upArgs...), runIn, eio)
	cancel()
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		err = fmt.Errorf("lab %s did not come up in its microVM within %v (see the output above)", name, upInMachineWait)
	}
	if err == nil && code != 0 {
		err = &ExitError{Code: code}
	}
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if err == nil {
		r.Phase, r.Booter = PhaseUp, nil
		err = r.save()
	}
	if err != nil {
		return nil, errors.Join(err, r.takeDown(context.WithoutCancel(ctx)))
	}
	return r, nil
}

// upInMachineWait bounds lvslab up in the machine, which builds the lab there.
const upInMachineWait = 5 * time.Minute

// Tests' hooks into two windows: between qemu starting and the record naming its machine, and between the
// machine living on its own and the lab being up.
var beforeRecord, afterBoot = func() {}, func() {}

// clearAbandoned takes down what an Up that died midway left of the lab: a record still booting whose
// booter is gone. The caller holds the lab's lock, so no Up is booting it now.
func clearAbandoned(ctx context.Context, stateDir, name string, notices io.Writer) error {
	removeLeftovers(Dir(stateDir), name)
	r, err := Open(stateDir, name)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return err // damaged: its message says what to do
	case r.Phase != PhaseBooting || r.Booter.Running():
		return nil // up: claim refuses it with its own message
	}
	fmt.Fprintf(notices, "lvslab: lab %s: the lvslab that brought it up (pid %d) stopped midway; clearing what it left\n", name, r.Booter.PID)
	return r.takeDown(ctx)
}

// topologyOnStdin, for a machine that cannot read the host's files, reads up's topology file (--file=FILE,
// as the command line is passed on) on the host and has the up in the machine read it from its stdin
// instead; a built-in topology's name is left as it is.
func topologyOnStdin(upArgs []string, dir string) ([]string, []byte, error) {
	out := slices.Clone(upArgs)
	for i, a := range out {
		file, ok := strings.CutPrefix(a, "--file=")
		if !ok || vm.HostFileArg([]string{file}, dir) == "" {
			continue
		}
		if !filepath.IsAbs(file) {
			file = filepath.Join(dir, file)
		}
		f, err := os.Open(file)
		if err != nil {
			return nil, nil, err
		}
		data, err := io.ReadAll(io.LimitReader(f, topology.MaxFileBytes+1))
		f.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("the topology %s: %w", file, err)
		}
		if len(data) > topology.MaxFileBytes {
			return nil, nil, fmt.Errorf("the topology %s: more than %d bytes, which a topology is at most", file, topology.MaxFileBytes)
		}
		out[i] = "--file=/proc/self/fd/0"
		return out, data, nil
	}
	return out, nil, nil
}

// shareable is the folder a lab's machine shares: cwd with its symbolic links resolved, or "" when it may
// not be shared, which notices says.
func shareable(cwd, stateDir string, notices io.Writer) string {
	if real, err := filepath.EvalSymlinks(stateDir); err == nil {
		stateDir = real
	}
	if abs, err := filepath.Abs(stateDir); err == nil {
		stateDir = abs
	}
	dir, err := filepath.EvalSymlinks(cwd)
	if err == nil {
		err = vm.CheckShare(dir, stateDir)
	}
	if err != nil {
		fmt.Fprintf(notices, "lvslab: the microVM shares no folder of this host (%v): what the lab's commands write stays in it; "+
			"run lvslab up from a folder of yours to keep those files\n", err)
		return ""
	}
	return dir
}

// ExitError is a command in the machine that exited with a status other than 0.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("exit status %d in the microVM", e.Code) }

// lockRecords makes the records' folder if need be, checks it is the user's alone, and takes the lab's
// lock in it. A Down that removed the folder meanwhile (it was empty) is met by making it again.
func lockRecords(stateDir, name string) (*lockfile.Lock, error) {
	dir := Dir(stateDir)
	for attempt := 0; ; attempt++ {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, stateDirError(dir, err)
		}
		afterMkdir(attempt)
		if err := privateFolders(os.Geteuid(), stateDir, dir); errors.Is(err, fs.ErrNotExist) && attempt < 3 {
			continue // a Down removed the empty folder meanwhile
		} else if err != nil {
			return nil, err
		}
		afterCheck(attempt)
		lock, err := lockfile.Try(lockPath(dir, name))
		switch {
		case errors.Is(err, fs.ErrNotExist) && attempt < 3:
			continue
		case errors.Is(err, lockfile.ErrBusy):
			return nil, busyError(stateDir, name)
		case err != nil:
			return nil, stateDirError(dir, err)
		}
		return lock, nil
	}
}

// Hooks that widen lockRecords' windows in tests, where a Down may remove the empty folder.
var afterMkdir, afterCheck = func(attempt int) {}, func(attempt int) {}

// busyError says who holds the lab's lock: an Up booting it, or a Down.
func busyError(stateDir, name string) error {
	r, err := Open(stateDir, name)
	if err == nil && r.Phase == PhaseBooting && r.Booter.Running() {
		return fmt.Errorf("lab %s is being brought up by another lvslab (pid %d, for %v): wait for it, or stop it with `lvslab down %s`",
			name, r.Booter.PID, time.Since(r.Created).Round(time.Second), name)
	}
	return fmt.Errorf("lab %s is being taken down by another lvslab: wait for it to finish", name)
}

// stateDirError explains a state folder lvslab cannot write.
func stateDirError(dir string, err error) error {
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("lvslab keeps the records of labs in a microVM in %s, which this user cannot write (%v): "+
			"run lvslab as root (sudo lvslab ...), or set LVSLAB_STATE_DIR to a folder of yours", dir, err)
	}
	return fmt.Errorf("the records' folder %s: %w", dir, err)
}
