// Command lvslab provisions Linux IPVS (LVS) load-balancing labs and proves they behave.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/lab/vm"
	_ "github.com/lvslab/lvslab/scenarios" // registers the load generator's child process
)

func main() {
	vm.RunGuestIfInit()
	lab.RunChildIfRequested()
	err := newRootCommand().Execute()
	if err == nil {
		return
	}
	var quiet *exitError
	if !errors.As(err, &quiet) || !quiet.quiet {
		fmt.Fprintln(os.Stderr, "lvslab:", err)
	}
	os.Exit(exitCode(err))
}

// Exit codes, as DESIGN.md fixes them.
const (
	exitPass     = 0
	exitFailed   = 1 // an expectation failed (a load with failed requests)
	exitUnusable = 2 // the lab could not be brought to a testable state: bad input, missing capability
)

// exitError carries an exit code with an error.
type exitError struct {
	code  int
	err   error
	quiet bool // the reason was printed already (by the command run in the microVM)
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

func failed(err error) error   { return &exitError{code: exitFailed, err: err} }
func unusable(err error) error { return &exitError{code: exitUnusable, err: err} }

func exitCode(err error) int {
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return exitUnusable // bad flags, bad input
}
