//go:build !linux

package vmlab

import (
	"errors"
	"os"

	"github.com/lvslab/lvslab/internal/lockfile"
)

// holds tells whether the lab's lock at path is held, as the process's would be: outside Linux no /proc
// shows what a process has open. The process itself was proven the recorded one by its pid and start
// time (to the microsecond on macOS) before this is asked.
func (p *Process) holds(path string) bool {
	if _, err := os.Lstat(path); err != nil {
		return false
	}
	l, err := lockfile.Try(path)
	if err == nil {
		l.Release(false)
	}
	return errors.Is(err, lockfile.ErrBusy)
}
