//go:build !amd64

package vm

// hostTSCkHz is unknown off amd64; the guest calibrates its TSC itself.
func hostTSCkHz() int { return 0 }
