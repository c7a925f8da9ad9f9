package proc

import (
	"golang.org/x/sys/unix"
)

// szomb is a zombie's p_stat (sys/proc.h).
const szomb = 5

// Stat returns a process's state letter ('Z' for a zombie, 'R' otherwise) and start time (in microseconds
// since the epoch), from the kernel's kinfo_proc.
func Stat(pid int) (state byte, start uint64, err error) {
	k, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if err != nil {
		return 0, 0, err
	}
	if k.Proc.P_pid != int32(pid) {
		return 0, 0, unix.ESRCH // the kernel answers a pid it does not know with an empty record
	}
	state = 'R'
	if k.Proc.P_stat == szomb {
		state = 'Z'
	}
	t := k.Proc.P_starttime
	return state, uint64(t.Sec)*1e6 + uint64(t.Usec), nil
}

// Cmdline returns a process's arguments, each ended by a NUL, as Linux's /proc/PID/cmdline has them, from
// the kernel's kern.procargs2.
func Cmdline(pid int) ([]byte, error) {
	raw, err := unix.SysctlRaw("kern.procargs2", pid)
	if err != nil {
		return nil, err
	}
	return parseProcargs2(raw)
}

// PIDs lists the processes.
func PIDs() ([]int, error) {
	all, err := unix.SysctlKinfoProcSlice("kern.proc.all")
	if err != nil {
		return nil, err
	}
	pids := make([]int, 0, len(all))
	for _, k := range all {
		pids = append(pids, int(k.Proc.P_pid))
	}
	return pids, nil
}
