package lab

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/containernetworking/plugins/pkg/ns"

	"github.com/lvslab/lvslab/ipvsnl"
	"github.com/lvslab/lvslab/topology"
)

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
		proc, err := startServers(ctx, l.dir, l.Name, switchNS, listeners, l.Topology)
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
