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
