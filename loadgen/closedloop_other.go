//go:build !linux

package loadgen

import (
	"context"
	"fmt"
	"runtime"
)

// Run fails: the closed-loop engine drives its sockets with epoll, which is Linux's. Elsewhere lvslab
// runs its loads in the microVM, where this engine runs.
func Run(context.Context, Options) (*Result, error) {
	return nil, fmt.Errorf("the closed-loop load generator needs Linux (epoll), and this is %s: lvslab runs loads in its microVM", runtime.GOOS)
}
