package proc

import (
	"errors"
	"fmt"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
)

// stillActive is what GetExitCodeProcess says of a process that has not exited (STILL_ACTIVE).
const stillActive = 259

// Stat returns a process's state letter ('Z' for one that has exited but is still known, 'R' otherwise)
// and creation time (in microseconds since the epoch), which tells it from a later process given its pid.
func Stat(pid int) (state byte, start uint64, err error) {
	if pid <= 0 {
		return 0, 0, fmt.Errorf("pid %d: no such process", pid)
	}
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return 0, 0, fmt.Errorf("process %d: %w", pid, err)
	}
	defer windows.CloseHandle(h)
	start, err = createdAt(h)
	if err != nil {
		return 0, 0, fmt.Errorf("process %d: %w", pid, err)
	}
	var code uint32
	if err := windows.GetExitCodeProcess(h, &code); err != nil {
		return 0, 0, fmt.Errorf("process %d: %w", pid, err)
	}
	state = 'R'
	if code != stillActive {
		state = 'Z'
	}
	return state, start, nil
}

// createdAt is when the process h was created, in microseconds since the epoch: Stat's start time.
func createdAt(h windows.Handle) (uint64, error) {
	var created, exited, kernel, user windows.Filetime
	if err := windows.GetProcessTimes(h, &created, &exited, &kernel, &user); err != nil {
		return 0, err
	}
	return uint64(created.Nanoseconds() / 1000), nil
}

// maxCmdline bounds what Cmdline reads: Windows's limit on a command line, 32767 UTF-16 units, with the
// record around it.
const maxCmdline = 64 << 10

// Cmdline returns a process's arguments, each ended by a NUL, as Linux's /proc/PID/cmdline has them: its
// command line as the kernel keeps it, split as Windows programs split theirs.
func Cmdline(pid int) ([]byte, error) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return nil, fmt.Errorf("process %d: %w", pid, err)
	}
	defer windows.CloseHandle(h)
	var need uint32
	windows.NtQueryInformationProcess(h, windows.ProcessCommandLineInformation, nil, 0, &need)
	if need < uint32(unsafe.Sizeof(windows.NTUnicodeString{})) || need > maxCmdline {
		return nil, fmt.Errorf("process %d: its command line takes %d bytes: expected a record of at most %d", pid, need, maxCmdline)
	}
	// Kept as uint64s so that the record at its start is aligned for its pointer.
	buf := make([]uint64, (need+7)/8)
	if err := windows.NtQueryInformationProcess(h, windows.ProcessCommandLineInformation, unsafe.Pointer(&buf[0]), need, &need); err != nil {
		return nil, fmt.Errorf("process %d: %w", pid, err)
	}
	us := (*windows.NTUnicodeString)(unsafe.Pointer(&buf[0]))
	base, end := uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&buf[0]))+uintptr(len(buf)*8)
	if p := uintptr(unsafe.Pointer(us.Buffer)); us.Length > 0 && (p < base || p+uintptr(us.Length) > end) {
		return nil, errors.New("process's command line: the record points outside itself")
	}
	args, err := windows.DecomposeCommandLine(us.String())
	if err != nil {
		return nil, fmt.Errorf("process %d's command line: %w", pid, err)
	}
	var b strings.Builder
	for _, a := range args {
		b.WriteString(a)
		b.WriteByte(0)
	}
	return []byte(b.String()), nil
}

// PIDs lists the processes.
func PIDs() ([]int, error) {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return nil, fmt.Errorf("listing processes: %w", err)
	}
	defer windows.CloseHandle(snap)
	e := windows.ProcessEntry32{Size: uint32(unsafe.Sizeof(windows.ProcessEntry32{}))}
	var pids []int
	for err = windows.Process32First(snap, &e); err == nil; err = windows.Process32Next(snap, &e) {
		pids = append(pids, int(e.ProcessID))
	}
	if !errors.Is(err, windows.ERROR_NO_MORE_FILES) {
		return nil, fmt.Errorf("listing processes: %w", err)
	}
	return pids, nil
}
