package lab

import (
	"errors"
	"io/fs"
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
