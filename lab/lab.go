// Package lab brings a topology up on the running kernel and takes it down again: one network namespace
// per host, bridges in a namespace of the lab's own, veth links, addresses, routes, sysctls and the real
// servers' HTTP servers, all through netlink from this process. Every object is recorded in a state file
// before it is made, so Down works from the state file alone.
package lab

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lvslab/lvslab/internal/jsondir"
	"github.com/lvslab/lvslab/internal/nsmount"

	"github.com/containernetworking/plugins/pkg/ns"

	"github.com/lvslab/lvslab/ipvsnl"

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

// Up builds the topology. If it fails part-way, what it made is taken down again before it returns.
func Up(ctx context.Context, t *topology.Topology, o Options) (*Lab, error) {
	if err := topology.Validate(t); err != nil {
		return nil, err
	}
	name := t.Name
	if o.Name != "" {
		name = o.Name
		if err := topology.ValidateName(name); err != nil {
			return nil, fmt.Errorf("--name: %w", err)
		}
	}
	dir := o.StateDir
	if dir == "" {
		dir = StateDir()
	}
	l := &Lab{Name: name, Topology: t, dir: dir, state: plan(name, t, dir), noLint: o.NoLint}
	l.state.WithoutIPVS = o.WithoutIPVS || t.IPVS == nil || len(t.IPVS.Services) == 0
	if !l.state.WithoutIPVS {
		if err := ipvsnl.Check(); err != nil {
			return nil, err
		}
	}
	lock, err := lockLab(ctx, dir, name)
	if err != nil {
		return nil, err
	}
	if err := createState(dir, l.state); err != nil {
		lock.Release(!errors.Is(err, ErrExists))
		return nil, err
	}
	err = l.build(ctx)
	if err == nil && ctx.Err() != nil {
		err = fmt.Errorf("stopped before it was up: %w", context.Cause(ctx)) // a lab its caller gave up on is taken down
	}
	if err != nil {
		derr := l.downLocked(context.WithoutCancel(ctx))
		if derr != nil {
			err = errors.Join(err, fmt.Errorf("and undoing the partial lab failed: %w", derr))
		}
		lock.Release(derr == nil)
		return nil, fmt.Errorf("bringing up lab %s: %w", name, err)
	}
	lock.Release(false)
	return l, nil
}

// plan names everything the lab will make, before anything is made.
func plan(name string, t *topology.Topology, dir string) *State {
	s := &State{Name: name, Phase: phaseCreating, Created: time.Now().UTC(), Topology: t}
	s.Namespaces = append(s.Namespaces, Namespace{Name: NamespaceName(name, switchHost)})
	for _, h := range t.Hosts {
		s.Namespaces = append(s.Namespaces, Namespace{Name: NamespaceName(name, h.Name), Host: h.Name})
	}
	s.Files = ownFiles(dir, name)
	return s
}

func (l *Lab) build(ctx context.Context) error {
	s := l.state
	if err := l.createNamespaces(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := saveState(l.dir, s); err != nil {
		return err
	}
	nsPaths := make([]string, len(s.Namespaces))
	for i, n := range s.Namespaces {
		nsPaths[i] = netnsPath(n.Name)
	}
	flowsAfterLinks, err := keepFlowsInOrder(nsPaths)
	if err != nil {
		return err
	}
	hostNS, err := l.openHostNamespaces()
	if err != nil {
		return err
	}
	defer closeAll(hostNS)
	switchNS := NamespaceName(l.Name, switchHost)
	err = inNamespace(netnsPath(switchNS), func() error {
		note, err := quietSwitch(switchNS)
		if err != nil {
			return err
		}
		if note != "" {
			l.Notes = append(l.Notes, note)
		}
		return buildSwitch(l.Topology, hostNS)
	})
	if err != nil {
		return err
	}
	if flowsAfterLinks != nil {
		if err := flowsAfterLinks(); err != nil {
			return err
		}
	}
	listeners, err := l.configureHosts(ctx)
	defer func() {
		for _, f := range listeners {
			f.Close()
		}
	}()
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return err
	}
	if err := l.installMarks(); err != nil {
		return err
	}
	if !s.WithoutIPVS {
		if err := l.deriveRealServers(); err != nil {
			return err
		}
		if problems := l.Lint(); len(problems) > 0 && !l.noLint {
			return fmt.Errorf("%w:\n  %s\n(fix the topology, or set ipvs: derive: true to have lvslab set them up; --no-lint brings the lab up anyway)",
				ErrLint, strings.Join(problems, "\n  "))
		}
		if err := l.programIPVS(ctx); err != nil {
			return err
		}
	}
	if len(listeners) > 0 {
		bodies := map[string]string{}
		for _, h := range l.Topology.Hosts {
			if h.HTTP != nil {
				bodies[h.Name] = h.HTTP.Body
			}
		}
		proc, err := startServers(ctx, l.dir, l.Name, switchNS, listeners, bodies)
		s.Server = proc
		if err != nil {
			return err
		}
	}
	s.Phase = phaseUp
	return saveState(l.dir, s)
}

// createNamespaces makes every namespace in parallel and records their inodes. A namespace that could not
// be made is dropped from the state: its name may belong to someone else, and Down must not touch it.
func (l *Lab) createNamespaces() error {
	ns := l.state.Namespaces
	errs := make([]error, len(ns))
	inParallel(len(ns), func(i int) { ns[i].Inode, errs[i] = createNamespace(ns[i].Name) })
	made := ns[:0]
	for i := range ns {
		if errs[i] == nil {
			made = append(made, ns[i])
		}
	}
	l.state.Namespaces = made
	return errors.Join(errs...)
}

// openHostNamespaces opens a handle on each host's namespace, for the switch to create links in.
func (l *Lab) openHostNamespaces() (map[string]ns.NetNS, error) {
	handles := map[string]ns.NetNS{}
	for _, n := range l.state.Namespaces {
		if n.Host == "" {
			continue
		}
		h, err := openNamespace(netnsPath(n.Name))
		if err != nil {
			closeAll(handles)
			return nil, err
		}
		handles[n.Host] = h
	}
	return handles, nil
}

func closeAll(handles map[string]ns.NetNS) {
	for _, h := range handles {
		h.Close()
	}
}

// configureHosts configures every host in parallel, each from a thread inside its namespace, and returns
// the servers' sockets by host.
func (l *Lab) configureHosts(ctx context.Context) (map[string]*hostSockets, error) {
	hosts := l.Topology.Hosts
	files := make([]*hostSockets, len(hosts))
	errs := make([]error, len(hosts))
	inParallel(len(hosts), func(i int) {
		h := hosts[i]
		errs[i] = inNamespace(netnsPath(NamespaceName(l.Name, h.Name)), func() (err error) {
			files[i], err = configureHost(ctx, h)
			return err
		})
		if errs[i] != nil {
			errs[i] = fmt.Errorf("host %s: %w", h.Name, errs[i])
		}
	})
	listeners := map[string]*hostSockets{}
	for i, f := range files {
		if f != nil {
			listeners[hosts[i].Name] = f
		}
	}
	return listeners, errors.Join(errs...)
}

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

// Down takes the lab down from its state file: it stops every process inside the lab's namespaces (the
// HTTP servers, and anything started with Exec), deletes the namespaces (and with them every link and
// bridge), and removes the lab's files, the state file last. Objects already gone are skipped, so Down
// can be repeated, and a lab another Down took down meanwhile is simply down. A namespace with the lab's
// name that the lab cannot prove it made is left alone, and LeftAlone says so. Two Downs (or an Up and a
// Down) of one lab never run at once: the second waits for the first.
func (l *Lab) Down(ctx context.Context) error {
	lock, err := lockLab(ctx, l.dir, l.Name)
	if err != nil {
		return err
	}
	s, err := readState(l.dir, l.Name) // what is on disk now, not what this Lab saw when it was opened
	switch {
	case errors.Is(err, ErrNotFound):
		lock.Release(true)
		return nil
	case err != nil:
		lock.Release(false)
		return err
	}
	l.state = s
	err = l.downLocked(ctx)
	lock.Release(err == nil)
	return err
}

// LeftAlone lists what the last Down found under the lab's names but could not prove the lab made.
func (l *Lab) LeftAlone() []string { return l.leftAlone }

func (l *Lab) downLocked(ctx context.Context) error {
	s := l.state
	s.Phase = phaseDeleting
	if err := saveState(l.dir, s); err != nil {
		return err
	}
	var errs []error
	ours := map[string]uint64{}
	inodes := map[uint64]bool{}
	l.leftAlone = nil
	mt, err := nsmount.ReadTable()
	if err != nil {
		return fmt.Errorf("taking down lab %s: %w (the state file %s is kept; run down again)", l.Name, err, statePath(l.dir, l.Name))
	}
	for _, ns := range s.Namespaces {
		path := netnsPath(ns.Name)
		if _, err := os.Lstat(path); err != nil {
			if !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
			continue
		}
		// Every mount on the file counts, copies beneath another mount too: the one a path reaches may be
		// gone, unmounted by an earlier down that could not remove the file.
		ino, mounts, err := mt.NamespaceOn(path)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("namespace %s: %w; left alone", ns.Name, err))
			continue
		case mounts > 0 && ns.Inode != 0 && ino != ns.Inode:
			errs = append(errs, fmt.Errorf("namespace %s is not the one lab %s made (inode %d, recorded %d); left alone", ns.Name, l.Name, ino, ns.Inode))
			continue
		case (ns.Inode == 0 || mounts == 0) && !madeSince(path, s.Created):
			// Planned, but up was stopped before it could make it, and this one predates the plan.
			l.leftAlone = append(l.leftAlone, fmt.Sprintf("namespace %s was made before lab %s planned it (%s), so it is not the lab's", ns.Name, l.Name, s.Created.Format(time.RFC3339Nano)))
			continue
		}
		ours[ns.Name] = ino
		if ino != 0 {
			inodes[ino] = true
		}
	}
	if err := killAndWait(ctx, processesIn(inodes)); err != nil {
		errs = append(errs, err)
	}
	removed := make([]string, 0, len(ours))
	for name, ino := range ours {
		if err := removeNamespace(mt, name, ino); err != nil {
			errs = append(errs, err)
		} else {
			removed = append(removed, name)
		}
	}
	if err := checkRemoved(removed); err != nil {
		errs = append(errs, err)
	}
	// A state file half written when lvslab was killed: its temporary copy.
	stale, _ := filepath.Glob(filepath.Join(l.dir, "."+l.Name+".*.tmp"))
	for _, f := range stale {
		os.Remove(f)
	}
	for _, f := range ownFiles(l.dir, l.Name) { // never the list in the file: it is data, not orders
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("taking down lab %s: %w (the state file %s is kept; run down again after fixing this)", l.Name, errors.Join(errs...), statePath(l.dir, l.Name))
	}
	if err := os.Remove(statePath(l.dir, l.Name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// State returns the lab's recorded state.
func (l *Lab) State() State { return *l.state }
