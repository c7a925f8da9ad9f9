//go:build unix

package proc

import "syscall"

// Kill kills the process pid if it is the one that started at start (as Stat says): a process gone
// meanwhile, or a later one given its pid, is left be.
func Kill(pid int, start uint64) error {
	if _, got, err := Stat(pid); err != nil || got != start {
		return nil
	}
	return syscall.Kill(pid, syscall.SIGKILL)
}
