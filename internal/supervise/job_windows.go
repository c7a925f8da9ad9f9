package supervise

import (
	"fmt"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// dieWithParent has nothing to set before the start: tieToThis puts the child in this process's job.
func dieWithParent(*syscall.SysProcAttr) {}

// job is this process's job object, which kills every process in it once its handle, held by this process
// alone and never closed, goes with it.
var job = sync.OnceValues(func() (windows.Handle, error) {
	h, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return 0, err
	}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{}
	info.BasicLimitInformation.LimitFlags = windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
	if _, err := windows.SetInformationJobObject(h, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(h)
		return 0, err
	}
	return h, nil
})

// tieToThis puts the started process pid in this process's job, so that it dies with this process
// however this one ends.
func tieToThis(pid int) error {
	j, err := job()
	if err != nil {
		return fmt.Errorf("a job object for the processes lvslab starts: %w", err)
	}
	p, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(pid))
	if err != nil {
		return fmt.Errorf("process %d: %w", pid, err)
	}
	defer windows.CloseHandle(p)
	if err := windows.AssignProcessToJobObject(j, p); err != nil {
		return fmt.Errorf("process %d into lvslab's job: %w", pid, err)
	}
	return nil
}
