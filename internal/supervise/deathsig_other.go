//go:build !linux

package supervise

import "syscall"

// dieWithParent has nothing to set: macOS and Windows have no parent-death signal. A child outlives a
// parent that is killed outright; one that exits normally stops its children first.
func dieWithParent(*syscall.SysProcAttr) {}
