// Package child runs functions of this binary as processes of their own: the binary re-executes itself
// with argv[0] set to the child's name, sends the child its input as JSON on stdin and reads one JSON
// envelope back from its stdout.
//
// Children register from init functions: a re-executed binary must know its children before main runs,
// and main's first step (RunIfRequested) hands the process to the one argv[0] names.
package child

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// children are the functions this binary can run as processes: in lvslab the real servers, and the load
// generator (a Go process whose every thread is in a lab host's namespace dials twice as fast as
// goroutines that switch namespace per thread).
var children = map[string]func() int{}

// Register makes fn runnable as a child process named name. Call it from an init function.
func Register(name string, fn func() int) {
	if _, dup := children[name]; dup {
		panic("child: " + name + " registered twice")
	}
	children[name] = fn
}

// RunIfRequested runs the registered child named by argv[0] and exits with its status; otherwise it
// returns. Call it first thing in main and in TestMain of packages whose tests start children.
func RunIfRequested() {
	if fn, ok := children[os.Args[0]]; ok {
		os.Exit(fn())
	}
}

// IO reads the child's JSON input from stdin, runs do with a context that ends when the child is
// told to stop (SIGINT, SIGTERM), and writes its outcome to stdout as one JSON envelope: the output, and
// the error if do failed. Output and error may come together: a run stopped part-way returns what it had
// measured. The child's stderr is left to progress lines. The child stops if its parent goes away.
func IO[In, Out any](do func(context.Context, In) (Out, error)) int {
	var in In
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		return writeEnvelope[Out](nil, fmt.Errorf("reading input: %w", err), false)
	}
	go exitWhenParentGoes(os.Stdin)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	out, err := do(ctx, in)
	return writeEnvelope(&out, err, ctx.Err() != nil)
}

// envelope is what a child writes on stdout.
type envelope[Out any] struct {
	Output      *Out   `json:"output,omitempty"`
	Error       string `json:"error,omitempty"`
	Interrupted bool   `json:"interrupted,omitempty"` // the child was told to stop
}

func writeEnvelope[Out any](out *Out, err error, interrupted bool) int {
	e := envelope[Out]{Output: out}
	code := 0
	if err != nil {
		e.Error, e.Interrupted, code = err.Error(), interrupted, 1
	}
	if werr := json.NewEncoder(os.Stdout).Encode(e); werr != nil {
		fmt.Fprintf(os.Stderr, "%s: writing output: %v\n", os.Args[0], werr)
		return 1
	}
	return code
}

// ErrInterrupted is a child that was told to stop part-way; what it had done is in the output all the same.
var ErrInterrupted = errors.New("interrupted")

func childNames() string {
	var names []string
	for n := range children {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
