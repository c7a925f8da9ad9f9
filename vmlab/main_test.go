package vmlab

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"github.com/lvslab/lvslab/internal/lockfile"
	"github.com/lvslab/lvslab/vm"
	"github.com/lvslab/lvslab/vm/guest"
	"github.com/lvslab/lvslab/vm/proto"
)

// helperEnv makes this test binary an lvslab that holds a lab's lock as an Up does (see holdLikeUp).
const helperEnv = "VMLAB_TEST_HELPER"

func TestMain(m *testing.M) {
	guest.RunIfInit(nil) // this binary is the guest's /init when a test boots a machine
	if os.Getenv(proto.InVMEnv) == "1" {
		os.Exit(0) // lvslab in the machine, which Up and Down run: the lab there is not this package's
	}
	switch os.Getenv(helperEnv) {
	case "":
		os.Exit(m.Run())
	case "hold":
		os.Exit(holdLikeUp(os.Args[1]))
	case "up-then-hang":
		afterBoot = hang("booted")
		os.Exit(upUntilHook(os.Args[1]))
	case "hang-before-record":
		beforeRecord = hang("started")
		os.Exit(upUntilHook(os.Args[1]))
	}
}

// holdLikeUp does what an Up does to the lab's files, with no machine: it takes the lab's lock and claims
// a record still booting, says "claimed" on stdout, then waits. A line on stdin marks the lab up and ends
// it; SIGTERM makes it take back what it made, as a stopped Up does.
func holdLikeUp(stateDir string) int {
	dir := Dir(stateDir)
	os.MkdirAll(dir, 0o700)
	lock, err := lockfile.Try(lockPath(dir, "lab1"))
	if err != nil {
		fmt.Println(err)
		return 2
	}
	defer lock.Release(true)
	me, _ := thisProcess()
	r, err := claim(dir, "lab1", "", me)
	if err != nil {
		fmt.Println(err)
		return 2
	}
	terms := make(chan os.Signal, 1)
	signal.Notify(terms, syscall.SIGTERM)
	lines := make(chan struct{})
	go func() {
		bufio.NewReader(os.Stdin).ReadString('\n')
		close(lines)
	}()
	fmt.Println("claimed")
	select {
	case <-terms:
		r.remove()
		return 143
	case <-lines:
		good := goodRecord(stateDir)
		r.Phase, r.Booter, r.Machine = PhaseUp, nil, good.Machine
		r.Machine.Name, r.MachineName = good.MachineName, good.MachineName
		if err := r.save(); err != nil {
			fmt.Println(err)
			return 2
		}
		return 0
	}
}

// hang is a hook that says what on stdout and hangs until the test kills this process.
func hang(what string) func() {
	return func() {
		fmt.Println(what)
		select {}
	}
}

// upUntilHook runs Up until a hook hangs it.
func upUntilHook(stateDir string) int {
	opts := vm.Options{Self: "lvslab"}
	_, err := Up(context.Background(), stateDir, "lab1", nil, opts, os.Stdout, os.Stderr)
	fmt.Println(err)
	return 2
}
