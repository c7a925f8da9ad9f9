//go:build !linux

package ipvsnl

import (
	"fmt"
	"runtime"
)

// Check fails: IPVS is Linux's. lvslab runs its labs in the microVM here.
func Check() error {
	return fmt.Errorf("%w: IPVS is part of Linux, and this is %s: lvslab runs the lab in its microVM", ErrNoIPVS, runtime.GOOS)
}

// CheckScheduler fails as Check does.
func CheckScheduler(string) error { return Check() }
