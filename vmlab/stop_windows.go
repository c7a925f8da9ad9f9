package vmlab

import "golang.org/x/sys/windows"

// stopBooter stops the lvslab bringing a lab up, proven by the caller: Windows has no SIGTERM to send
// another console's process, so it is terminated, and Down, once it holds the lab's lock, stops the
// machine that lvslab started (by its record, else as a stray of the machine's name).
func stopBooter(pid int) error {
	h, err := windows.OpenProcess(windows.PROCESS_TERMINATE, false, uint32(pid))
	if err != nil {
		return err
	}
	defer windows.CloseHandle(h)
	return windows.TerminateProcess(h, 1)
}
