package labs

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/vm"
	"github.com/lvslab/lvslab/vmlab"
)

// VMOptions are the microVM's options for a lab's machine: the modules a lab needs, lvslab as /init.
func VMOptions(m Machine, notices io.Writer) vm.Options {
	required, optional := lab.KernelModules()
	return vm.Options{Modules: required, OptionalModules: optional, Self: "lvslab", Package: m.KernelPackage,
		Arch: m.Arch, Notices: notices}
}

// Machine is how a lab's microVM boots: the Debian package of its kernel and the guest's architecture
// ("" for each: vm.Options' defaults).
type Machine struct{ KernelPackage, Arch string }

// UpInVM brings a lab up in a microVM of its own: lvslab up upArgs… there. A down stops it with SIGTERM,
// and two downs, or a Ctrl-C and a down, send two: the first stops it, the next must not cut short the
// taking down the first began, so this lvslab keeps catching SIGTERM.
func UpInVM(ctx context.Context, stateDir, name string, upArgs []string, opts vm.Options, stdout, stderr io.Writer) (InVM, error) {
	terms := make(chan os.Signal, 1)
	signal.Notify(terms, syscall.SIGTERM)
	defer signal.Stop(terms)
	r, err := vmlab.Up(ctx, stateDir, name, upArgs, opts, stdout, stderr)
	return InVM{r}, err
}
