package netnsenter

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Enter moves this thread into the network namespace bound at path. The caller has locked the goroutine
// to its thread and retires the thread afterwards, so the change never reaches other goroutines.
func Enter(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("entering %s: %w", path, err)
	}
	return nil
}
