//go:build !linux

package lab

import (
	"context"
	"fmt"
	"io"
	"net/netip"
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

// Up fails: see errNotLinux.
func Up(context.Context, *topology.Topology, Options) (*Lab, error) { return nil, errNotLinux("a lab") }

func (l *Lab) Down(context.Context) error { return errNotLinux("lab " + l.Name) }
func (l *Lab) AddAddresses(string, int) ([]netip.Addr, error) {
	return nil, errNotLinux("lab " + l.Name)
}
func (l *Lab) Namespace(string) (string, error) { return "", errNotLinux("lab " + l.Name) }
func (l *Lab) Start(*exec.Cmd, string) error    { return errNotLinux("lab " + l.Name) }
func (l *Lab) Run(*exec.Cmd, string) error      { return errNotLinux("lab " + l.Name) }
func (l *Lab) Exec(string, []string, []string) error {
	return errNotLinux("lab " + l.Name)
}
func (l *Lab) RunChild(context.Context, string, string, any, any, io.Writer) error {
	return errNotLinux("lab " + l.Name)
}
func (l *Lab) Sysctl(string, string) (string, error) { return "", errNotLinux("lab " + l.Name) }
func (l *Lab) Problems() []string                    { return []string{errNotLinux("lab " + l.Name).Error()} }
func (l *Lab) Lint() []string                        { return nil }
func (l *Lab) ApplyRule(context.Context, ipvsadm.Command) error {
	return errNotLinux("lab " + l.Name)
}
func (l *Lab) IPVS() (*ipvsadm.Snapshot, error) { return nil, errNotLinux("lab " + l.Name) }
func (l *Lab) IPVSCounted(context.Context, int) (*ipvsadm.Snapshot, error) {
	return nil, errNotLinux("lab " + l.Name)
}
func (l *Lab) Conns() ([]ipvsadm.Conn, error) { return nil, errNotLinux("lab " + l.Name) }
func (l *Lab) IPVSTotals() (ipvsadm.Counters, error) {
	return ipvsadm.Counters{}, errNotLinux("lab " + l.Name)
}
func (l *Lab) DirectorSysctls() (map[string]string, error) {
	return nil, errNotLinux("lab " + l.Name)
}
func (l *Lab) SetTimeouts(time.Duration, time.Duration, time.Duration) error {
	return errNotLinux("lab " + l.Name)
}
func (l *Lab) AwaitEmptyConnectionTable(context.Context, time.Duration) error {
	return errNotLinux("lab " + l.Name)
}
func (l *Lab) ServerStats(context.Context) (map[string]realserver.Stats, error) {
	return nil, errNotLinux("lab " + l.Name)
}
func (l *Lab) SetShape(string, string, topology.Shape) (string, topology.Shape, error) {
	return "", topology.Shape{}, errNotLinux("lab " + l.Name)
}
func (l *Lab) ShapeOf(string, string) (string, topology.Shape, error) {
	return "", topology.Shape{}, errNotLinux("lab " + l.Name)
}
func (l *Lab) Shapes() (map[string]map[string]topology.Shape, error) {
	return nil, errNotLinux("lab " + l.Name)
}
func (l *Lab) ServerFault(context.Context, string, string) (string, error) {
	return "", errNotLinux("lab " + l.Name)
}
func (l *Lab) SetLinkUp(string, string, bool) (string, error) {
	return "", errNotLinux("lab " + l.Name)
}
