package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/lvslab/lvslab/topology"
)

// DefaultStateDir holds one state file per lab. Like /run/netns it is a tmpfs: a reboot clears both.
const DefaultStateDir = "/run/lvslab"

// StateDir is where state files live: $LVSLAB_STATE_DIR; else, for root, DefaultStateDir; else the
// user's own folder, which only they may read: $XDG_RUNTIME_DIR/lvslab, or where there is none
// $XDG_STATE_HOME/lvslab (~/.local/state/lvslab), never a name in /tmp that another user could take
// first. (Only root builds labs on this kernel; a user's labs live in microVMs, whose records need no
// privilege.) On macOS, ~/Library/Application Support/lvslab; on Windows, %LocalAppData%\lvslab\state
// (beside the cache, %LocalAppData%\lvslab): there every lab lives in a microVM.
func StateDir() string { return stateDirFor(runtime.GOOS, os.Geteuid(), os.Getenv) }

func stateDirFor(goos string, euid int, getenv func(string) string) string {
	if d := getenv("LVSLAB_STATE_DIR"); d != "" {
		return d
	}
	switch goos {
	case "linux":
	case "darwin":
		if home := getenv("HOME"); filepath.IsAbs(home) {
			return filepath.Join(home, "Library", "Application Support", "lvslab")
		}
		return filepath.Join(os.TempDir(), fmt.Sprintf("lvslab-%d", euid))
	case "windows":
		if d := getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "lvslab", "state")
		}
		return filepath.Join(os.TempDir(), "lvslab-state")
	}
	if euid == 0 {
		return DefaultStateDir
	}
	if d := getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(d) {
		return filepath.Join(d, "lvslab")
	}
	if d := getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "lvslab")
	}
	if home := getenv("HOME"); filepath.IsAbs(home) {
		return filepath.Join(home, ".local", "state", "lvslab")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("lvslab-%d", euid)) // no home: checked as the user's alone before use
}

// Phases of a lab's life, as recorded in its state file.
const (
	phaseCreating = "creating"
	phaseUp       = "up"
	phaseDeleting = "deleting"
)

// State is everything a lab made, written before the first object is made and kept current, so that Down
// works from it alone: after a crash, a kill -9, or without the topology file.
type State struct {
	Name       string             `json:"name"`
	Phase      string             `json:"phase"`
	Created    time.Time          `json:"created"`
	Topology   *topology.Topology `json:"topology"`
	Namespaces []Namespace        `json:"namespaces"`
	Server     *Process           `json:"server,omitempty"` // the HTTP server process, once started
	Files      []string           `json:"files"`            // sockets and logs, removed by Down
	// WithoutIPVS: the director's IPVS table was not programmed (none asked for, or Options.WithoutIPVS).
	WithoutIPVS bool `json:"without_ipvs,omitempty"`
}

// Namespace is one network namespace of the lab: a host's, or the switch holding the bridges.
type Namespace struct {
	Name  string `json:"name"`
	Host  string `json:"host,omitempty"` // empty for the switch
	Inode uint64 `json:"inode,omitempty"`
}

// Process identifies a process across PID reuse.
type Process struct {
	PID       int    `json:"pid"`
	StartTime uint64 `json:"start_time"` // field 22 of /proc/PID/stat
}

func statePath(dir, name string) string { return filepath.Join(dir, name+".json") }

// createState publishes a new state file atomically; it fails with ErrExists if the lab is already up.
func createState(dir string, s *State) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating state directory: %w", err)
	}
	tmp, err := writeTemp(dir, s)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	// link(2) fails if the target exists: two concurrent `up`s of one name cannot both win.
	if err := os.Link(tmp, statePath(dir, s.Name)); err != nil {
		if errors.Is(err, os.ErrExist) {
			return existsError(dir, s.Name)
		}
		return fmt.Errorf("writing state file: %w", err)
	}
	return nil
}

// saveState replaces the state file atomically.
func saveState(dir string, s *State) error {
	tmp, err := writeTemp(dir, s)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, statePath(dir, s.Name)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing state file: %w", err)
	}
	return nil
}

func writeTemp(dir string, s *State) (string, error) {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encoding state: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+s.Name+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("writing state file: %w", err)
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("writing state file: %w", err)
	}
	return f.Name(), nil
}

func readState(dir, name string) (*State, error) {
	if err := topology.ValidateName(name); err != nil {
		return nil, fmt.Errorf("lab name: %w", err)
	}
	f, err := os.Open(statePath(dir, name))
	if errors.Is(err, os.ErrNotExist) {
		return nil, notFoundError(dir, name)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s, err := decodeState(f, dir, name)
	if err != nil {
		return nil, &DamagedError{Path: statePath(dir, name), Lab: name, Err: err}
	}
	return s, nil
}

// DamagedError is a state file that is not one lvslab would have written for its lab. lvslab then cannot
// tell what the lab made, and touches nothing of it.
type DamagedError struct {
	Path, Lab string
	Err       error
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("state file %s is damaged or not lvslab's: %v. lvslab cannot tell what lab %s made, so it touched nothing of it: "+
		"check `ip netns list` for namespaces of yours named %s-<host> (`ip netns pids NAME` shows what runs there), "+
		"delete those with `ip netns del NAME`, then remove the file", e.Path, e.Err, e.Lab, e.Lab)
}

func (e *DamagedError) Unwrap() error { return e.Err }

// ErrExists is returned by Up when a lab of that name is already up; ErrNotFound when no lab has the name.
var (
	ErrExists   = errors.New("lab already exists")
	ErrNotFound = errors.New("no such lab")
)

func existsError(dir, name string) error {
	return fmt.Errorf("%w: lab %q is already up (state file %s); nothing was changed. Use it, pick another name with --name, or run `lvslab down %s` first", ErrExists, name, statePath(dir, name), name)
}

func notFoundError(dir, name string) error {
	return fmt.Errorf("%w: no lab named %q is up (no state file %s); `lvslab status` lists the labs", ErrNotFound, name, statePath(dir, name))
}

// controlPath and logPath are the real servers' control socket and log of a lab, beside its state file.
func controlPath(dir, lab string) string { return filepath.Join(dir, lab+".sock") }
func logPath(dir, lab string) string     { return filepath.Join(dir, lab+".log") }
