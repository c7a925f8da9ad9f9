package vmlab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lvslab/lvslab/internal/wait"
	"github.com/lvslab/lvslab/vm"
	"github.com/lvslab/lvslab/vm/proto"
)

// Run runs lvslab with args in the machine, natively there, in the host's folder dir, and returns its exit
// status.
func (r *Record) Run(ctx context.Context, args []string, dir string, eio vm.ExecIO) (int, error) {
	return r.RunRequest(ctx, proto.ExecRequest{Argv: append([]string{"lvslab"}, args...), Dir: dir}, eio)
}

// RunRequest is Run with a request of the caller's (a terminal, say): its environment gets what lvslab
// needs in the machine.
func (r *Record) RunRequest(ctx context.Context, req proto.ExecRequest, eio vm.ExecIO) (int, error) {
	if r.Machine == nil || !r.Machine.Running() {
		return 0, fmt.Errorf("lab %s's microVM is not running (it was stopped, or is still booting): take the lab down with `lvslab down %s`", r.Lab, r.Lab)
	}
	req.Env = append(guestEnv(req.Env), proto.InVMEnv+"=1")
	return r.Machine.Exec(ctx, req, eio)
}

// Shares tells whether dir, a host folder, is (in) the one the lab's machine shares read-write.
func (r *Record) Shares(dir string) bool {
	if r.Share == "" {
		return false
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	return dir == r.Share || strings.HasPrefix(dir, r.Share+string(filepath.Separator))
}

// awaitUpWait bounds the wait for a lab another lvslab is bringing up.
const awaitUpWait = 5 * time.Minute

// AwaitUp returns the lab's record once the lab is up: at once if it is, else after waiting for the lvslab
// that brings it up, which it says on notices. A boot that fails, is stopped, or whose lvslab died says so.
func (r *Record) AwaitUp(ctx context.Context, notices io.Writer) (*Record, error) {
	if r.Phase == PhaseUp {
		return r, nil
	}
	if r.Booter.Running() {
		fmt.Fprintf(notices, "lvslab: lab %s is still coming up (lvslab pid %d); waiting for it\n", r.Lab, r.Booter.PID)
	}
	var up *Record
	var failed error
	err := wait.Until(ctx, awaitUpWait, func() (bool, string) {
		up, failed = r.reread()
		return up != nil || failed != nil, "lab " + r.Lab + " is still coming up"
	})
	if failed != nil {
		return nil, failed
	}
	return up, err
}

// reread reads the lab's record again: the record once it is up, an error once it will never be, or
// neither while it comes up. A booter seen gone is judged on a record read after it went, which an up
// that finished just then has marked up.
func (r *Record) reread() (*Record, error) {
	cur, err := Open(filepath.Dir(r.dir), r.Lab)
	if err == nil && cur.Phase == PhaseBooting && !cur.Booter.Running() {
		cur, err = Open(filepath.Dir(r.dir), r.Lab)
	}
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, fmt.Errorf("lab %s did not come up: the lvslab that brought it up failed or was stopped (its output says why)", r.Lab)
	case err != nil:
		return nil, err
	case cur.Phase == PhaseUp:
		return cur, nil
	case !cur.Booter.Running():
		return nil, cur.abandoned()
	}
	return nil, nil
}

func (r *Record) abandoned() error {
	who := "the lvslab that brought it up"
	if r.Booter != nil {
		who = fmt.Sprintf("%s (pid %d)", who, r.Booter.PID)
	}
	return fmt.Errorf("lab %s never came up: %s stopped midway; take it down with `lvslab down %s`", r.Lab, who, r.Lab)
}

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
