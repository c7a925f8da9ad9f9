package runner

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
	"syscall"

	"github.com/lvslab/lvslab/internal/proc"
	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/labs"
	"github.com/lvslab/lvslab/topology"
	"github.com/lvslab/lvslab/tutorial"
	"github.com/lvslab/lvslab/vm"
)

// courseLab is a tutorial's lab, wherever it lives: it reads the state a step is checked against, and
// runs a step's commands (for --check).
type courseLab struct {
	lab    labs.Lab
	course *tutorial.Course
	folder string // where the saved rules are, and where commands run
}

// LabSnapshot is a course lab's state as the hidden snapshot command prints it from inside a microVM
// (Snapshot):
// the state, the lab's topology, and whether a process there holds the rules file open for writing.
type LabSnapshot struct {
	State        tutorial.State `json:"state"`
	Topology     string         `json:"topology"`
	SavedWriting bool           `json:"saved_writing"`
}

func (c *courseLab) savedPath() string { return filepath.Join(c.folder, tutorial.SavedRules) }

// state reads what the steps are checked against: the director's table, its ip_forward, what the
// real servers served, and the saved rules in the tutorial's folder. The rules file is read first and
// the lab after; the file is taken as complete only if then no process, here or in the lab's microVM,
// holds it open for writing, and it has not changed since it was read.
func (c *courseLab) state(ctx context.Context) (tutorial.State, error) {
	return judgedState(c.savedPath(), func() (LabSnapshot, error) { return c.snapshot(ctx) })
}

// judgedState reads the rules file at path, then the lab (look), then settles the file: what look takes
// is the window in which a command may write it.
func judgedState(path string, look func() (LabSnapshot, error)) (tutorial.State, error) {
	read := readSaved(path)
	snap, err := look()
	if err != nil {
		return snap.State, err
	}
	st := snap.State
	st.Saved = read.settle(snap.SavedWriting)
	return st, nil
}

// snapshot reads the lab: in its microVM through the hidden snapshot command, else on this kernel.
func (c *courseLab) snapshot(ctx context.Context) (LabSnapshot, error) {
	var snap LabSnapshot
	v, ok := c.lab.(labs.InVM)
	if !ok {
		return nativeSnapshot(ctx, c.lab.(labs.Native).Lab, "")
	}
	var out, errOut bytes.Buffer
	code, err := v.Record.Run(ctx, []string{"tutorial", "snapshot", c.course.Name, "--lab", c.lab.Name(), "--saved", c.savedPath()}, "/",
		vm.ExecIO{Stdout: &out, Stderr: &errOut})
	if err == nil && code != 0 {
		err = fmt.Errorf("reading the lab's state in its microVM: %s", strings.TrimSpace(errOut.String()))
	}
	if err != nil {
		return snap, err
	}
	return snap, json.Unmarshal(out.Bytes(), &snap)
}

// nativeSnapshot reads a lab's state on this kernel, and whether a process holds savedPath open for
// writing ("" asks not).
func nativeSnapshot(ctx context.Context, l *lab.Lab, savedPath string) (LabSnapshot, error) {
	snap := LabSnapshot{Topology: l.Topology.Name}
	ipvs, err := l.IPVS()
	if err != nil {
		return snap, err
	}
	st := &snap.State
	st.Services = tutorial.FromTable(&ipvs.Table, ipvs)
	if st.IPForward, err = l.Sysctl(l.Topology.IPVS.On, "net.ipv4.ip_forward"); err != nil {
		return snap, err
	}
	stats, err := l.ServerStats(ctx)
	if err != nil {
		return snap, err
	}
	st.Served = map[string]tutorial.Served{}
	for host, s := range stats {
		st.Served[host] = tutorial.Served{Connections: s.Connections, Requests: s.Requests, State: s.State}
	}
	if savedPath != "" {
		snap.SavedWriting, err = proc.OpenForWriting(savedPath)
	}
	return snap, err
}

// savedRead is the rules file as read, before it is known to be complete.
type savedRead struct {
	saved *tutorial.Saved
	info  os.FileInfo // nil: there was no file
}

// maxSavedBytes bounds the rules file read: a learner's file, not lvslab's.
const maxSavedBytes = 64 << 10

// readSaved reads the course's rules file, bounded, and only if it is a regular file (a FIFO there
// would block the tutorial, a device is not the learner's to have read).
func readSaved(path string) savedRead {
	bad := func(info os.FileInfo, err error) savedRead {
		return savedRead{saved: &tutorial.Saved{Path: path, Exists: true, Err: err.Error()}, info: info}
	}
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return savedRead{saved: &tutorial.Saved{Path: path}}
	case err != nil:
		return bad(nil, err)
	case !info.Mode().IsRegular():
		return bad(info, errors.New("not a regular file"))
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return bad(info, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSavedBytes+1))
	switch {
	case err != nil:
		return bad(info, err)
	case len(data) > maxSavedBytes:
		return bad(info, fmt.Errorf("larger than %d KiB: not a table's rules", maxSavedBytes>>10))
	}
	return savedRead{saved: tutorial.ParseSaved(path, data), info: info}
}

// settle marks the file as caught in the writing when a process elsewhere (writingElsewhere) or here
// holds it open for writing, or it is not the file that was read any more.
func (r savedRead) settle(writingElsewhere bool) *tutorial.Saved {
	s := *r.saved
	busy, _ := proc.OpenForWriting(s.Path)
	now, err := os.Stat(s.Path)
	same := err != nil // no file, as before
	if r.info != nil {
		same = err == nil && os.SameFile(now, r.info) && now.Size() == r.info.Size() && now.ModTime().Equal(r.info.ModTime())
	}
	s.Writing = writingElsewhere || busy || !same
	return &s
}

// run runs one of a step's commands in its host, in the tutorial's folder, stdin its input (nil: none).
func (c *courseLab) run(ctx context.Context, a tutorial.Action, stdin io.Reader) (string, error) {
	var out bytes.Buffer
	if a.Fault != "" {
		f, err := lab.ParseFault(a.Fault)
		if err == nil {
			err = c.lab.Fault(ctx, f, labs.Terminal{Stdout: &out, Stderr: &out})
		}
		return out.String(), err
	}
	if v, ok := c.lab.(labs.InVM); ok {
		args := append([]string{"exec", "--lab", c.lab.Name(), a.Host, "--"}, a.Argv...)
		code, err := v.Record.Run(ctx, args, c.folder, vm.ExecIO{Stdin: stdin, Stdout: &out, Stderr: &out})
		if err == nil && code != 0 {
			err = fmt.Errorf("exit status %d", code)
		}
		return out.String(), err
	}
	cmd := exec.CommandContext(ctx, a.Argv[0], a.Argv[1:]...)
	cmd.Dir, cmd.Stdin, cmd.Stdout, cmd.Stderr = c.folder, stdin, &out, &out
	err := c.lab.(labs.Native).Lab.Run(cmd, a.Host)
	return out.String(), err
}

// openCourseLab brings the course's lab up in its starting state, or opens it if it is up (and is the
// course's): here where the kernel has IPVS, else in a microVM.
func openCourseLab(ctx context.Context, stdout, stderr io.Writer, sc tutorial.Screen, folder string, machine *labs.Machine) (*courseLab, bool, error) {
	course, name := sc.Course, sc.Lab
	l, err := labs.Open(lab.StateDir(), name)
	if v, ok := l.(labs.InVM); ok && err == nil {
		v.Record, err = v.Record.AwaitUp(ctx, stderr) // another tutorial may be bringing it up
		if err != nil {
			return nil, false, err
		}
		l = v
	}
	if err == nil {
		cl := &courseLab{lab: l, course: course, folder: folder}
		snap, err := cl.snapshot(ctx)
		if err != nil {
			return nil, false, err
		}
		if snap.Topology != course.Topology {
			return nil, false, errors.New(sc.OtherLab(snap.Topology))
		}
		return cl, false, nil
	}
	if !errors.Is(err, lab.ErrNotFound) {
		return nil, false, err
	}
	fmt.Fprint(stdout, sc.Starting(machine != nil))
	return upCourseLab(ctx, stderr, course, name, folder, machine)
}

// upCourseLab brings a course's lab up, named name.
func upCourseLab(ctx context.Context, stderr io.Writer, course *tutorial.Course, name, folder string, machine *labs.Machine) (*courseLab, bool, error) {
	if machine != nil {
		v, err := labs.UpInVM(ctx, lab.StateDir(), name, []string{"-f", course.Topology, "--name", name}, labs.VMOptions(*machine, stderr), io.Discard, stderr)
		if err != nil {
			return nil, false, err
		}
		return &courseLab{lab: v, course: course, folder: folder}, true, nil
	}
	topo, err := topology.Embedded(course.Topology)
	if err != nil {
		return nil, false, err
	}
	l, err := lab.Up(ctx, topo, lab.Options{Name: name})
	if err != nil {
		return nil, false, err
	}
	return &courseLab{lab: labs.Native{Lab: l}, course: course, folder: folder}, true, nil
}

// Snapshot reads the course lab named name on this kernel (the hidden command through which a tutorial on
// the host reads a lab in its microVM runs it there); saved is the rules file whose writers to look for.
func Snapshot(ctx context.Context, name, saved string) (LabSnapshot, error) {
	l, err := lab.Open(name)
	if err != nil {
		return LabSnapshot{}, err
	}
	return nativeSnapshot(ctx, l, saved)
}
