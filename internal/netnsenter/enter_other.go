//go:build !linux

package netnsenter

import (
	"fmt"
	"runtime"
)

// Enter fails: network namespaces are Linux's; elsewhere lvslab's labs live in the microVM.
func Enter(path string) error {
	return fmt.Errorf("entering %s: network namespaces need Linux, and this is %s", path, runtime.GOOS)
}
