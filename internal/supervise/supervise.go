// Package supervise starts processes that die with this one.
package supervise

import (
	"fmt"
	"os/exec"
	"runtime"
	"syscall"
	"time"
)

// Start starts cmd so that it dies with this process where the OS can say so (Linux: Pdeathsig, which
// fires when the thread that forked the child exits, so the fork happens on a goroutine locked to its
// thread that lives until the child is reaped; Windows: a job object that kills what it holds once this
// process, its last holder, is gone). The returned channel yields cmd.Wait's result.
func Start(cmd *exec.Cmd) (<-chan error, error) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	dieWithParent(cmd.SysProcAttr)
	if cmd.WaitDelay == 0 {
		cmd.WaitDelay = 2 * time.Second // a grandchild holding the output pipes must not stall Wait
	}
	started := make(chan error, 1)
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with the goroutine, after the reap
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		if err := tieToThis(cmd.Process.Pid); err != nil {
			cmd.Process.Kill() // it could outlive this process: it does not run at all
			cmd.Wait()
			started <- err
			return
		}
		started <- nil
		done <- cmd.Wait()
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("starting %s: %w", cmd.Path, err)
	}
	return done, nil
}
