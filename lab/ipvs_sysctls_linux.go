package lab

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
)

// DirectorSysctls reads the director's SchedulingSysctls, by their names under net.ipv4.vs; one this
// kernel lacks is left out.
func (l *Lab) DirectorSysctls() (map[string]string, error) {
	host, err := l.director()
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, k := range SchedulingSysctls {
		v, err := l.Sysctl(host, "net.ipv4.vs."+k)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

// SetDirectorSysctl sets one of SettableSysctls in the director's namespace.
func (l *Lab) SetDirectorSysctl(s Sysctl) error {
	host, err := l.director()
	if err != nil {
		return err
	}
	path, err := l.Namespace(host)
	if err != nil {
		return err
	}
	err = inNamespace(path, func() error { return writeSysctl("net.ipv4.vs."+s.Name, strconv.Itoa(s.Value)) })
	if err != nil {
		return fmt.Errorf("setting net.ipv4.vs.%s on %s: %w", s, host, err)
	}
	return nil
}
