package lab

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/lvslab/lvslab/topology"
)

// maxStateBytes bounds a state file: the topology it holds is bounded by topology.MaxFileBytes, and the
// rest is a few lines per host.
const maxStateBytes = 2*topology.MaxFileBytes + 64<<10

// A state file is read as untrusted data: whoever can write the state directory, a damaged disk or an
// older lvslab may have put anything there, and Down acts on what it names. decodeState accepts only what
// this lvslab would have written for the lab of that name: every namespace one of the lab's own names, for
// a host of its recorded topology; every file one that the lab's plan names; a creation stamp that can
// prove a namespace it made but could not record.
func decodeState(r io.Reader, dir, name string) (*State, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxStateBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxStateBytes {
		return nil, fmt.Errorf("it is larger than %d bytes, which no state file of lvslab's is", maxStateBytes)
	}
	var s State
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, jsonError(data, err)
	}
	if dec.More() {
		return nil, errors.New("it holds more than one JSON value")
	}
	if err := checkState(&s, dir, name); err != nil {
		return nil, err
	}
	return &s, nil
}

// jsonError gives a JSON syntax or type error its line and column.
func jsonError(data []byte, err error) error {
	var off int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return err
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := int(off) - (bytes.LastIndexByte(data[:off], '\n') + 1) // off is just past the offending byte
	return fmt.Errorf("%d:%d: %v", line, col, err)
}

func checkState(s *State, dir, name string) error {
	if s.Name != name {
		return fmt.Errorf("it names lab %q, not %q", s.Name, name)
	}
	switch s.Phase {
	case phaseCreating, phaseUp, phaseDeleting:
	default:
		return fmt.Errorf("phase %q: expected %s, %s or %s", s.Phase, phaseCreating, phaseUp, phaseDeleting)
	}
	if err := checkCreated(s.Created); err != nil {
		return err
	}
	if s.Topology == nil {
		return errors.New("it records no topology")
	}
	if err := topology.Validate(s.Topology); err != nil {
		return fmt.Errorf("its topology is not valid: %w", err)
	}
	if err := checkNamespaces(s); err != nil {
		return err
	}
	planned := map[string]bool{}
	for _, f := range ownFiles(dir, name) {
		planned[f] = true
	}
	for _, f := range s.Files {
		if !planned[f] {
			return fmt.Errorf("file %q is not one lab %s makes (%s)", f, name, strings.Join(ownFiles(dir, name), ", "))
		}
	}
	if p := s.Server; p != nil && (p.PID <= 1 || p.StartTime == 0) {
		return fmt.Errorf("server process %+v: expected a pid above 1 and its start time", *p)
	}
	return nil
}

// checkCreated: the stamp proves namespaces made after it, so it must be one this boot could have taken.
func checkCreated(created time.Time) error {
	if created.IsZero() {
		return errors.New("it has no creation stamp")
	}
	if now := time.Now(); created.After(now.Add(time.Minute)) {
		return fmt.Errorf("its creation stamp %s is in the future", created.Format(time.RFC3339))
	}
	// btime is whole seconds, and moves when the clock is stepped.
	if boot, ok := bootTime(); ok && created.Before(boot.Add(-time.Minute)) {
		return fmt.Errorf("its creation stamp %s is older than this boot (%s): the namespaces it made are gone", created.Format(time.RFC3339), boot.Format(time.RFC3339))
	}
	return nil
}

func checkNamespaces(s *State) error {
	if len(s.Namespaces) > len(s.Topology.Hosts)+1 {
		return fmt.Errorf("it lists %d namespaces for %d hosts", len(s.Namespaces), len(s.Topology.Hosts))
	}
	seen := map[string]bool{}
	for _, ns := range s.Namespaces {
		host := ns.Host
		if host == "" {
			host = switchHost
		} else if s.Topology.Host(host) == nil {
			return fmt.Errorf("namespace %q is for host %q, which its topology does not have", ns.Name, ns.Host)
		}
		if want := NamespaceName(s.Name, host); ns.Name != want {
			return fmt.Errorf("namespace %q: the namespace of lab %s's %s is named %q", ns.Name, s.Name, host, want)
		}
		if seen[ns.Name] {
			return fmt.Errorf("namespace %q is listed twice", ns.Name)
		}
		seen[ns.Name] = true
	}
	return nil
}

// ownFiles are the files a lab of that name makes in dir, besides its state file.
func ownFiles(dir, name string) []string { return []string{controlPath(dir, name), logPath(dir, name)} }

// bootTime is when this machine booted, from /proc/stat.
func bootTime() (time.Time, bool) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				return time.Unix(n, 0), true
			}
		}
	}
	return time.Time{}, false
}
