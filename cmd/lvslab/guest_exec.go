package main

import (
	"strings"

	"github.com/lvslab/lvslab/lab"
)

// labNamespaceInGuest is how the agent of a lab's microVM finds the namespace of a host that lvslab exec
// names, as lvslab exec in the guest would: the lab from its state file in the folder the command's
// environment names, the namespace checked to be the one the lab made.
func labNamespaceInGuest(env []string, name, host string) (string, error) {
	dir := lab.DefaultStateDir
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "LVSLAB_STATE_DIR="); ok && v != "" {
			dir = v
		}
	}
	l, err := lab.OpenIn(dir, name)
	if err != nil {
		return "", err
	}
	return l.Namespace(host)
}
