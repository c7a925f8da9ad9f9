// Package proc reads what /proc says of processes: enough to tell a process from a later one that
// reuses its pid, and whether any holds a file open for writing.
package proc

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
)

// Stat returns a process's state letter and start time (in clock ticks since boot).
func Stat(pid int) (state byte, start uint64, err error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, err
	}
	// The command name is in parentheses and may contain anything; fields resume after the last ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, 0, errors.New("malformed /proc stat")
	}
	fields := strings.Fields(string(data[i+1:]))
	if len(fields) < 20 {
		return 0, 0, errors.New("malformed /proc stat")
	}
	start, err = strconv.ParseUint(fields[19], 10, 64) // field 22 overall
	return fields[0][0], start, err
}

// Running reports whether pid is the process that started at start, and not a zombie.
func Running(pid int, start uint64) bool {
	state, got, err := Stat(pid)
	return err == nil && got == start && state != 'Z' && state != 'X'
}
