//go:build !linux

// Package hostload runs lvslab's load generator from inside a lab host. Lab hosts are Linux network
// namespaces: elsewhere lvslab's labs and their loads run in the microVM.
package hostload

import (
	"context"
	"fmt"
	"io"
	"runtime"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/loadgen"
)

// Run fails: a lab's hosts are Linux network namespaces, and this is not Linux.
func Run(_ context.Context, l *lab.Lab, host string, _ loadgen.Options, _ io.Writer) (*loadgen.Result, error) {
	return nil, fmt.Errorf("a load from lab %s's %s needs Linux, and this is %s: run it in the lab's microVM", l.Name, host, runtime.GOOS)
}
