package vmlab

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/lvslab/lvslab/internal/lockfile"
	"github.com/lvslab/lvslab/topology"
	"github.com/lvslab/lvslab/vm"
)

// downInMachineWait bounds lvslab down in the machine, before it is powered off.
const downInMachineWait = 30 * time.Second

// downWait bounds the wait for an Up that Down stopped to take down what it made, or for another Down.
const downWait = 2 * time.Minute

// Down takes the lab named name down: its machine powered off and its record removed. An Up still
// bringing the lab up is stopped first (SIGTERM to that lvslab, proven by its pid and start time, which
// then takes down what it made) and waited for; stopped names it. ErrNotFound: no lab of that name
// was up, and nothing was stopped.
func Down(ctx context.Context, stateDir, name string) (stopped *Process, err error) {
	if err := topology.ValidateName(name); err != nil {
		return nil, fmt.Errorf("lab name: %w", err)
	}
	dir := Dir(stateDir)
	lock, err := lockfile.Try(lockPath(dir, name))
	if errors.Is(err, lockfile.ErrBusy) {
		busy := "lab " + name + " is still being brought up or taken down"
		if r, err := Open(stateDir, name); err == nil && r.Phase == PhaseBooting && r.Booter.Running() && r.Booter.holds(lockPath(dir, name)) {
			if err := stopBooter(r.Booter.PID, r.Booter.StartTime); err != nil {
				return nil, fmt.Errorf("stopping the lvslab (pid %d) that brings lab %s up: %w", r.Booter.PID, name, err)
			}
			stopped = r.Booter
			busy = fmt.Sprintf("the lvslab (pid %d) that brought lab %s up still takes down what it made; stop it with %s, then run lvslab down %s again",
				r.Booter.PID, name, forceStopCommand(r.Booter.PID), name)
		}
		lock, err = lockfile.Wait(ctx, lockPath(dir, name), downWait, busy)
	}
	switch {
	case errors.Is(err, fs.ErrNotExist): // no records' folder: no lab in a machine was ever up here
		return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
	case err != nil:
		return stopped, fmt.Errorf("lab %s: %w", name, err)
	}
	defer func() {
		lock.Release(true)
		removeEmptyFolders(os.Geteuid(), stateDir)
	}()
	removeLeftovers(dir, name)
	r, err := Open(stateDir, name)
	switch {
	case errors.Is(err, ErrNotFound) && stopped != nil:
		return stopped, nil // the Up it stopped took everything down
	case err != nil:
		return stopped, err
	}
	return stopped, r.takeDown(ctx)
}

// removeEmptyFolders removes a user's records folders once they hold nothing, so that no lab leaves
// anything behind in /tmp or their runtime folder: the vm folder, and the state folder when it is the
// one lvslab names for them (…/lvslab or /tmp/lvslab-<uid>). Root's /run/lvslab stays: it holds the
// native labs too. An Up that loses the race makes them again.
func removeEmptyFolders(euid int, stateDir string) {
	if euid == 0 {
		return
	}
	if os.Remove(Dir(stateDir)) != nil {
		return
	}
	switch base := filepath.Base(stateDir); {
	case base == "lvslab" || base == fmt.Sprintf("lvslab-%d", euid):
		os.Remove(stateDir)
	case base == "state" && filepath.Base(filepath.Dir(stateDir)) == "lvslab": // Windows's
		os.Remove(stateDir)
	}
}

// takeDown powers the lab's machine off (a machine still booting is stopped at once: nothing in it is
// worth saving) and removes the record. The caller holds the lab's lock. A machine that is no longer
// running leaves only its record and files to remove.
func (r *Record) takeDown(ctx context.Context) error {
	if m := r.Machine; m != nil && m.Running() {
		var err error
		if r.Phase == PhaseUp {
			downCtx, cancel := context.WithTimeout(ctx, downInMachineWait) // a lab that hangs is powered off all the same
			r.Run(downCtx, []string{"down", r.Lab}, "/", vm.ExecIO{})
			cancel()
			err = m.PowerOff(ctx)
		} else {
			err = m.Kill(ctx)
		}
		if err != nil {
			return fmt.Errorf("stopping lab %s's microVM: %w (the record %s is kept; run lvslab down %s again)", r.Lab, err, r.path(), r.Lab)
		}
	}
	// Any qemu of the machine's name still there is one no record names: what a Boot killed between
	// starting it and OnStart left (or the first of a KVM boot retried under TCG).
	if err := vm.KillStrays(ctx, r.MachineName, r.dir); err != nil {
		return fmt.Errorf("lab %s: %w (the record %s is kept; run lvslab down %s again)", r.Lab, err, r.path(), r.Lab)
	}
	r.remove()
	return nil
}

// Down takes the record's lab down, as Down does (stopped: an Up it stopped); a lab already down is no
// error.
func (r *Record) Down(ctx context.Context) (stopped *Process, err error) {
	stopped, err = Down(ctx, filepath.Dir(r.dir), r.Lab)
	if errors.Is(err, ErrNotFound) {
		return stopped, nil
	}
	return stopped, err
}

// ClearLeftovers removes what a killed Up of a lab that is not up may have left (its lock file, a record
// half written), when no lvslab holds the lab's lock and no record names it; it stops nothing.
func ClearLeftovers(stateDir, name string) {
	if topology.ValidateName(name) != nil {
		return
	}
	dir := Dir(stateDir)
	if _, err := os.Stat(dir); err != nil {
		return
	}
	lock, err := lockfile.Try(lockPath(dir, name))
	if err != nil {
		return
	}
	defer lock.Release(true)
	if _, err := Open(stateDir, name); errors.Is(err, ErrNotFound) {
		removeLeftovers(dir, name)
	}
}
