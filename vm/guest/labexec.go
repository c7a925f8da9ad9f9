//go:build linux

package guest

import (
	"errors"
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"

	"github.com/lvslab/lvslab/internal/netnsenter"
	"github.com/lvslab/lvslab/vm/proto"
)

// startInLab runs start on a thread of its own whose root is the command's and whose network namespace
// is the lab host's, found by labNamespace, so that the command forked there has both; the thread is
// retired afterwards.
func startInLab(req *proto.ExecRequest, labNamespace LabNamespace, start func() error) error {
	if labNamespace == nil {
		return errors.New("agent: this guest cannot run commands in a lab's host: its /init was given no way to find their namespaces")
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread goes when this goroutine does
		errc <- func() error {
			if err := unix.Unshare(unix.CLONE_FS); err != nil {
				return fmt.Errorf("agent: a root of its own for the command: %w", err)
			}
			if err := unix.Chroot(proto.NewRoot); err != nil {
				return fmt.Errorf("agent: entering the command's root: %w", err)
			}
			if err := unix.Chdir("/"); err != nil {
				return err
			}
			path, err := labNamespace(req.Env, req.Lab, req.Host)
			if err != nil {
				return err
			}
			if err := netnsenter.Enter(path); err != nil {
				return fmt.Errorf("agent: %w", err)
			}
			return start()
		}()
	}()
	return <-errc
}
