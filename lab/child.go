package lab

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

// A child is a function of this binary that runs as its own process, started inside a host's namespace:
// the HTTP servers, and the load generator (a Go process whose every thread is in the namespace dials
// twice as fast as goroutines that switch namespace per thread). The binary re-executes itself with
// argv[0] set to the child's name.
var children = map[string]func() int{}

// RegisterChild makes fn runnable as a child process named name. Call it from an init function.
func RegisterChild(name string, fn func() int) {
	if _, dup := children[name]; dup {
		panic("lab: child " + name + " registered twice")
	}
	children[name] = fn
}

// RunChildIfRequested runs the registered child named by argv[0] and exits with its status; otherwise it
// returns. Call it first thing in main and in TestMain of packages whose tests start children.
func RunChildIfRequested() {
	if fn, ok := children[os.Args[0]]; ok {
		os.Exit(fn())
	}
}

// ChildIO reads the child's JSON input from stdin, runs do, and writes its JSON output to stdout. A
// failure is printed on stderr and gives exit status 1. The child stops if its parent goes away.
func ChildIO[In, Out any](do func(In) (Out, error)) int {
	var in In
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Fprintf(os.Stderr, "%s: reading input: %v\n", os.Args[0], err)
		return 1
	}
	go exitWhenParentGoes(os.Stdin)
	out, err := do(in)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", os.Args[0], err)
		return 1
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintf(os.Stderr, "%s: writing output: %v\n", os.Args[0], err)
		return 1
	}
	return 0
}

func childNames() string {
	var names []string
	for n := range children {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
