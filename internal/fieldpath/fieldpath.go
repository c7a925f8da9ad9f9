// Package fieldpath names a field of a YAML file the way lvslab's messages do: hosts.rs1.interfaces[0].address.
package fieldpath

import (
	"fmt"
	"strings"
)

// Child is path's field key; key alone at the top.
func Child(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Item is path's list element i.
func Item(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// Parent is the field that encloses path, "" at the top.
func Parent(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndex(path, "["); i >= 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndex(path, "."); i >= 0 {
		return path[:i]
	}
	return ""
}
