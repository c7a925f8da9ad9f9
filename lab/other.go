//go:build !linux

package lab

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"time"

	"github.com/lvslab/lvslab/realserver"
	"github.com/lvslab/lvslab/topology"
	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// A lab is made of Linux network namespaces: on another OS, lvslab runs it in its microVM, and a Lab here
// is at most one read from a state file, on which nothing can act.

func errNotLinux(what string) error {
	return fmt.Errorf("%s needs Linux's network namespaces, and this is %s: lvslab runs labs in its microVM (--vm=always)", what, runtime.GOOS)
}

// notLinux is errNotLinux for this lab.
func (l *Lab) notLinux() error { return errNotLinux("lab " + l.Name) }

// Up fails: see errNotLinux.
func Up(context.Context, *topology.Topology, Options) (*Lab, error) { return nil, errNotLinux("a lab") }

func (l *Lab) Down(context.Context) error { return l.notLinux() }
func (l *Lab) AddAddresses(string, int) ([]netip.Addr, error) {
	return nil, l.notLinux()
}
func (l *Lab) Namespace(string) (string, error) { return "", l.notLinux() }
func (l *Lab) Start(*exec.Cmd, string) error    { return l.notLinux() }
func (l *Lab) Run(*exec.Cmd, string) error      { return l.notLinux() }
func (l *Lab) Exec(string, []string, []string) error {
	return l.notLinux()
}
func (l *Lab) RunChild(context.Context, string, string, any, any, io.Writer, ...*os.File) error {
	return l.notLinux()
}
func (l *Lab) Sysctl(string, string) (string, error) { return "", l.notLinux() }
func (l *Lab) Problems() []string                    { return []string{l.notLinux().Error()} }
func (l *Lab) Lint() []string                        { return nil }
func (l *Lab) ApplyRule(context.Context, ipvsadm.Command) error {
	return l.notLinux()
}
func (l *Lab) IPVS() (*ipvsadm.Snapshot, error) { return nil, l.notLinux() }
func (l *Lab) IPVSCounted(context.Context, int) (*ipvsadm.Snapshot, error) {
	return nil, l.notLinux()
}
func (l *Lab) Conns() ([]ipvsadm.Conn, error) { return nil, l.notLinux() }
func (l *Lab) IPVSTotals() (ipvsadm.Counters, error) {
	return ipvsadm.Counters{}, l.notLinux()
}
func (l *Lab) SetDirectorSysctl(Sysctl) error { return l.notLinux() }
func (l *Lab) DirectorSysctls() (map[string]string, error) {
	return nil, l.notLinux()
}
func (l *Lab) SetTimeouts(time.Duration, time.Duration, time.Duration) error {
	return l.notLinux()
}
func (l *Lab) AwaitEmptyConnectionTable(context.Context, time.Duration) error {
	return l.notLinux()
}
func (l *Lab) ServerStats(context.Context) (map[string]realserver.Stats, error) {
	return nil, l.notLinux()
}
func (l *Lab) SetShape(string, string, topology.Shape) (string, topology.Shape, error) {
	return "", topology.Shape{}, l.notLinux()
}
func (l *Lab) ShapeOf(string, string) (string, topology.Shape, error) {
	return "", topology.Shape{}, l.notLinux()
}
func (l *Lab) Shapes() (map[string]map[string]topology.Shape, error) {
	return nil, l.notLinux()
}
func (l *Lab) ApplyFault(context.Context, Fault) (string, error) { return "", l.notLinux() }
func (l *Lab) ServerFault(context.Context, string, string) (string, error) {
	return "", l.notLinux()
}
func (l *Lab) SetLinkUp(string, string, bool) (string, error) {
	return "", l.notLinux()
}
