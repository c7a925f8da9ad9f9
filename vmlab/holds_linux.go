package vmlab

import (
	"fmt"
	"os"
	"path/filepath"
)

// holds tells whether the process has the file at path open: the lock an Up holds proves that process
// the lab's booter, not one that took its pid.
func (p *Process) holds(path string) bool {
	fds := fmt.Sprintf("/proc/%d/fd", p.PID)
	entries, err := os.ReadDir(fds)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if link, err := os.Readlink(filepath.Join(fds, e.Name())); err == nil && link == path {
			return true
		}
	}
	return false
}
