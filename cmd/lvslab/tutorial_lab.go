package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/lab/vm"
	"github.com/lvslab/lvslab/topology"
	"github.com/lvslab/lvslab/tutorial"
)

// courseLab is a tutorial's lab, wherever it lives: it reads the state a step is checked against, and
// runs a step's commands (for --check).
type courseLab struct {
	target
	course *tutorial.Course
	folder string // where the saved rules are, and where commands run
}

// state reads what the steps are checked against: the director's table, its ip_forward, what the
// real servers served, and the saved rules in the tutorial's folder.
func (c *courseLab) state(ctx context.Context) (tutorial.State, error) {
	var st tutorial.State
	var err error
	if c.inVM != nil {
		var out, errOut bytes.Buffer
		code, rerr := c.inVM.Run(ctx, []string{"tutorial", "snapshot", c.course.Name, "--lab", c.name()}, "/", vm.ExecIO{Stdout: &out, Stderr: &errOut})
		if rerr == nil && code != 0 {
			rerr = fmt.Errorf("reading the lab's state in its microVM: %s", strings.TrimSpace(errOut.String()))
		}
		if rerr != nil {
			return st, rerr
		}
		err = json.Unmarshal(out.Bytes(), &st)
	} else {
		st, err = nativeState(ctx, c.native)
	}
	if err != nil {
		return st, err
	}
	st.Saved = readSaved(filepath.Join(c.folder, tutorial.SavedRules))
	return st, nil
}

// nativeState reads a lab's state on this kernel.
func nativeState(ctx context.Context, l *lab.Lab) (tutorial.State, error) {
	var st tutorial.State
	snap, err := l.IPVS()
	if err != nil {
		return st, err
	}
	st.Services = tutorial.FromTable(&snap.Table, snap)
	if st.IPForward, err = l.Sysctl(l.Topology.IPVS.On, "net.ipv4.ip_forward"); err != nil {
		return st, err
	}
	stats, err := l.ServerStats(ctx)
	if err != nil {
		return st, err
	}
	st.Served = map[string]tutorial.Served{}
	for host, s := range stats {
		st.Served[host] = tutorial.Served{Connections: s.Connections, Requests: s.Requests}
	}
	return st, nil
}

// readSaved reads the course's rules file, bounded: a learner's file, not lvslab's.
func readSaved(path string) *tutorial.Saved {
	f, err := os.Open(path)
	if err != nil {
		return &tutorial.Saved{Path: path}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 64<<10))
	if err != nil {
		return &tutorial.Saved{Path: path, Exists: true, Err: err.Error()}
	}
	return tutorial.ParseSaved(path, data)
}

// run runs one of a step's commands in its host, in the tutorial's folder.
func (c *courseLab) run(ctx context.Context, a tutorial.Action) (string, error) {
	var out bytes.Buffer
	if c.inVM != nil {
		args := append([]string{"exec", "--lab", c.name(), a.Host, "--"}, a.Argv...)
		code, err := c.inVM.Run(ctx, args, c.folder, vm.ExecIO{Stdout: &out, Stderr: &out})
		if err == nil && code != 0 {
			err = fmt.Errorf("exit status %d", code)
		}
		return out.String(), err
	}
	cmd := exec.CommandContext(ctx, a.Argv[0], a.Argv[1:]...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = c.folder, &out, &out
	err := c.native.Run(cmd, a.Host)
	return out.String(), err
}

// openCourseLab brings the course's lab up in its starting state, or opens it if it is up: here where the
// kernel has IPVS, else in a microVM.
func openCourseLab(ctx context.Context, stdout, stderr io.Writer, course *tutorial.Course, name, folder string, inVM bool) (*courseLab, bool, error) {
	t, err := openTarget(name)
	if err == nil && t.inVM != nil {
		t.inVM, err = t.inVM.AwaitUp(ctx, stderr) // another tutorial may be bringing it up
		if err != nil {
			return nil, false, err
		}
	}
	if err == nil {
		return &courseLab{target: t, course: course, folder: folder}, false, nil
	}
	if !errors.Is(err, lab.ErrNotFound) {
		return nil, false, err
	}
	if inVM {
		required, optional := guestModules()
		r, err := vmUp(ctx, name, []string{"-f", course.Topology, "--name", name},
			vm.Options{Modules: required, OptionalModules: optional, Self: "lvslab", Notices: stderr}, io.Discard, stderr)
		if err != nil {
			return nil, false, err
		}
		return &courseLab{target: target{inVM: r}, course: course, folder: folder}, true, nil
	}
	topo, err := topology.Embedded(course.Topology)
	if err != nil {
		return nil, false, err
	}
	l, err := lab.Up(ctx, topo, lab.Options{Name: name})
	if err != nil {
		return nil, false, err
	}
	return &courseLab{target: target{native: l}, course: course, folder: folder}, true, nil
}
