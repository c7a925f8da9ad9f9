// Package jsondir lists the records of a folder of JSON state files: one NAME.json per lab.
package jsondir

import (
	"errors"
	"os"
	"sort"
	"strings"
)

// Names are the NAMEs of the folder's NAME.json files, sorted; files whose name begins with a dot (a
// record being written, a lock) are not records. A folder that does not exist holds none.
func Names(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".json"); ok && !strings.HasPrefix(n, ".") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names, nil
}

// OpenAll opens the record of every name in dir with open, and joins the errors of those it could not
// read: the records it returns are whole all the same. A record for which gone holds (taken away meanwhile)
// is skipped.
func OpenAll[T any](dir string, open func(name string) (T, error), gone func(error) bool) ([]T, error) {
	names, err := Names(dir)
	if err != nil {
		return nil, err
	}
	var out []T
	var errs []error
	for _, n := range names {
		r, err := open(n)
		switch {
		case gone(err):
		case err != nil:
			errs = append(errs, err)
		default:
			out = append(out, r)
		}
	}
	return out, errors.Join(errs...)
}
