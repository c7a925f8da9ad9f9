// Package lab brings a topology up on the running kernel and takes it down again: one network namespace
// per host, bridges in a namespace of the lab's own, veth links, addresses, routes, sysctls and the real
// servers' HTTP servers, all through netlink from this process. Every object is recorded in a state file
// before it is made, so Down works from the state file alone.
package lab

import (
	"errors"

	"github.com/lvslab/lvslab/internal/jsondir"

	"github.com/lvslab/lvslab/topology"
)

// Lab is a lab that is up (or was being brought up).
type Lab struct {
	Name     string
	Topology *topology.Topology
	state    *State
	dir      string
	noLint   bool
	// leftAlone: what Down found under the lab's names and could not prove the lab made.
	leftAlone []string
	// Notes are what Up would have the user know about the lab it made: what it could not do that did not
	// stop the lab.
	Notes []string
}

// Options adjust Up. The zero value uses the topology's name and StateDir().
type Options struct {
	Name     string // overrides the topology's name
	StateDir string
	// WithoutIPVS builds everything but the director's IPVS table: for kernels without IPVS, where the
	// namespaces, links and servers still work.
	WithoutIPVS bool
	// NoLint brings the lab up even when its real servers are not set up for their forwarding methods
	// (see Lint), to show what then breaks.
	NoLint bool
}

// switchHost is the reserved name of the namespace holding the lab's bridges.
const switchHost = "switch"

// NamespaceName is the network namespace of a lab's host: "<lab>-<host>".
func NamespaceName(lab, host string) string { return lab + "-" + host }

// Open returns the lab with the given name from its state file.
func Open(name string) (*Lab, error) { return OpenIn(StateDir(), name) }

// OpenIn is Open with the state files in dir.
func OpenIn(dir, name string) (*Lab, error) {
	s, err := readState(dir, name)
	if err != nil {
		return nil, err
	}
	return &Lab{Name: s.Name, Topology: s.Topology, state: s, dir: dir}, nil
}

// List returns every lab that has a state file, by name, and an error for each state file it could not
// read: the labs it returns are whole all the same.
func List() ([]*Lab, error) {
	dir := StateDir()
	return jsondir.OpenAll(dir, func(n string) (*Lab, error) { return OpenIn(dir, n) },
		func(err error) bool { return errors.Is(err, ErrNotFound) }) // taken down meanwhile
}

// LeftAlone lists what the last Down found under the lab's names but could not prove the lab made.
func (l *Lab) LeftAlone() []string { return l.leftAlone }

// State returns the lab's recorded state.
func (l *Lab) State() State { return *l.state }

// ErrLint says the lab's real servers are not set up for their forwarding methods: traffic would fail.
var ErrLint = errors.New("the real servers are not set up for their forwarding methods")
