// Package proc reads what the OS says of processes (/proc on Linux, sysctl on macOS, the process API on
// Windows): enough to tell a process from a later one that reuses its pid, its command line, and whether any
// holds a file open for writing.
package proc

// Running reports whether pid is the process that started at start, and not a zombie.
func Running(pid int, start uint64) bool {
	state, got, err := Stat(pid)
	return err == nil && got == start && state != 'Z' && state != 'X'
}
