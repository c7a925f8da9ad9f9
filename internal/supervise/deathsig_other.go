//go:build !linux && !windows

package supervise

import "syscall"

// dieWithParent has nothing to set: macOS has no parent-death signal. A child outlives a parent that is
// killed outright; one that exits normally stops its children first.
func dieWithParent(*syscall.SysProcAttr) {}

// tieToThis has nothing to do either.
func tieToThis(int) error { return nil }
