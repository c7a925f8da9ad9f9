package vm

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lvslab/lvslab/internal/wait"
	"github.com/lvslab/lvslab/vm/kernel"
)

const (
	helperEnv     = "LVSLAB_VM_TEST_HELPER"
	bootHelperEnv = "LVSLAB_VM_TEST_BOOT_HELPER" // the folder for Boot's logs
)

// runHelperIfAsked makes the test binary, re-executed by TestKill9LeavesNothing, run a VM whose command
// prints "ready" and sleeps, so that the test can kill this process while qemu runs.
func runHelperIfAsked() {
	if dir := os.Getenv(bootHelperEnv); dir != "" {
		fmt.Println("booting")
		_, err := Boot(context.Background(), Options{Timeout: time.Minute}, dir)
		fmt.Fprintln(os.Stderr, "helper: Boot returned:", err)
		os.Exit(1)
	}
	if os.Getenv(helperEnv) == "" {
		return
	}
	_, err := Run(context.Background(), Options{
		Argv:    []string{"sh", "-c", "echo ready; sleep 60"},
		Stdout:  os.Stdout,
		Stderr:  os.Stderr,
		Timeout: time.Minute,
	})
	fmt.Fprintln(os.Stderr, "helper: Run returned:", err)
	os.Exit(1)
}

func TestKill9LeavesNothing(t *testing.T) {
	needVM(t)
	cacheDir, err := kernel.CacheDir()
	if err != nil {
		t.Fatal(err)
	}
	cacheBefore := listDir(t, filepath.Join(cacheDir, "kernel"))
	tmp := t.TempDir()
	helper := exec.Command(os.Args[0], "-test.run=^$")
	helper.Env = append(os.Environ(), helperEnv+"=1", "TMPDIR="+tmp)
	helper.Stderr = os.Stderr
	stdout, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan bool, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- line == "ready\n"
	}()
	select {
	case ok := <-ready:
		if !ok {
			helper.Process.Kill()
			helper.Wait()
			t.Fatal("the helper's VM did not say ready")
		}
	case <-time.After(time.Minute):
		helper.Process.Kill()
		helper.Wait()
		t.Fatal("the helper's VM did not say ready within a minute")
	}
	marker := fmt.Sprintf("lvslab-%d-", helper.Process.Pid)
	if len(processesWith(marker)) == 0 {
		t.Fatalf("no qemu with %q in its command line while the helper's VM runs", marker)
	}
	helper.Process.Signal(syscall.SIGKILL)
	helper.Wait()

	err = wait.Until(context.Background(), 10*time.Second, func() (bool, string) {
		left := processesWith(marker)
		return len(left) == 0, fmt.Sprintf("qemu outlived the helper killed with SIGKILL: pids %v", left)
	})
	if err != nil {
		t.Fatal(err)
	}
	if left := listDir(t, tmp); len(left) > 0 {
		t.Errorf("the killed helper left files in its TMPDIR: %v", left)
	}
	if after := listDir(t, filepath.Join(cacheDir, "kernel")); strings.Join(after, " ") != strings.Join(cacheBefore, " ") {
		t.Errorf("the kernel cache changed from %v to %v", cacheBefore, after)
	}
}

// processesWith lists the pids whose command line contains s.
func processesWith(s string) []string {
	var pids []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmdline), s) {
			pids = append(pids, e.Name())
		}
	}
	return pids
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// A machine whose booting process is killed before it serves powers itself off: nothing outlives a boot
// that did not finish.
func TestBootKilledMidwayLeavesNoQemu(t *testing.T) {
	needVM(t)
	helper := exec.Command(os.Args[0], "-test.run=^$")
	helper.Env = append(os.Environ(), bootHelperEnv+"="+t.TempDir())
	helper.Stderr = os.Stderr
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	marker := fmt.Sprintf("lvslab-%d-", helper.Process.Pid)
	err := wait.Until(context.Background(), time.Minute, func() (bool, string) {
		return len(processesWith(marker)) > 0, "no qemu of the helper's yet"
	})
	helper.Process.Signal(syscall.SIGKILL)
	helper.Wait()
	if err != nil {
		t.Fatal(err)
	}
	err = wait.Until(context.Background(), time.Minute, func() (bool, string) {
		left := processesWith(marker)
		return len(left) == 0, fmt.Sprintf("qemu outlived the booting process killed with SIGKILL: pids %v", left)
	})
	if err != nil {
		t.Fatal(err)
	}
}
