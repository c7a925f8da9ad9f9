package proc

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

func TestStatOfThisProcess(t *testing.T) {
	state, start, err := Stat(os.Getpid())
	if err != nil || start == 0 || state == 0 {
		t.Fatalf("got %q %d %v", state, start, err)
	}
	if !Running(os.Getpid(), start) || Running(os.Getpid(), start+1) {
		t.Error("Running does not tell this process from one that started at another time")
	}
	if _, _, err := Stat(-1); err == nil {
		t.Error("a pid that cannot be")
	}
}

// Kill kills the process it is told of, by its pid and start time, and leaves be a process that started
// at another time (a later one given the same pid).
func TestKillOnlyTheProcessThatStartedThen(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Skipf("no sleep to start: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer cmd.Process.Kill()
	_, start, err := Stat(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if err := Kill(cmd.Process.Pid, start+1); err != nil {
		t.Fatal(err)
	}
	if !Running(cmd.Process.Pid, start) {
		t.Fatal("Kill killed a process that started at another time")
	}
	if err := Kill(cmd.Process.Pid, start); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Kill did not kill the process it was told of")
	}
}
