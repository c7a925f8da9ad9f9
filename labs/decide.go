// Package labs is where a lab lives: on this kernel (package lab) or in a microVM of its own (package
// vmlab). It makes the one decision which, from --vm, this kernel and the user, and gives commands a lab
// of either kind behind one interface.
package labs

import (
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/lvslab/lvslab/ipvsnl"
	"github.com/lvslab/lvslab/vm/proto"
)

// InGuest reports whether this lvslab runs inside a microVM that lvslab started, as its job or as a
// command the host sent it (proto.InVMEnv).
func InGuest() bool { return proto.InGuest() || os.Getenv(proto.InVMEnv) != "" }

// Mode is what --vm asks: auto, always or never.
type Mode string

const (
	Auto   Mode = "auto"
	Always Mode = "always"
	Never  Mode = "never"
)

// ParseMode reads --vm.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case Auto, Always, Never:
		return m, nil
	}
	return "", fmt.Errorf("--vm=%s: want auto, always or never", s)
}

// Needs is what a command needs of the kernel it runs on.
type Needs struct {
	IPVS bool // the kernel's IPVS (a lab whose topology has virtual services, a test, a course)
	Root bool // root, to build namespaces (a command that runs its own labs and keeps no record)
}

// Decision is where a command's lab lives.
type Decision struct {
	InVM   bool
	Reason string // why in a microVM, for the line that says so
	// WithoutIPVS is a command kept here by --vm=never although it needs IPVS this kernel lacks.
	WithoutIPVS bool
}

// Decide is the one decision where a lab lives. In a microVM lvslab started, always here. Otherwise
// --vm=always moves it into a microVM; auto does where the command needs what this kernel or user
// lacks (IPVS, root); never keeps it here, saying in WithoutIPVS when IPVS is missing.
func Decide(mode Mode, needs Needs) (Decision, error) {
	if _, err := ParseMode(string(mode)); err != nil {
		return Decision{}, err
	}
	if InGuest() {
		return Decision{}, nil
	}
	if mode == Always {
		return Decision{InVM: true, Reason: "--vm=always"}, nil
	}
	if runtime.GOOS != "linux" {
		return elsewhere(mode, runtime.GOOS)
	}
	return decide(mode, needs, needs.Root && os.Geteuid() != 0)
}

// elsewhere decides for a host that is not Linux: a lab is Linux's network namespaces, so it lives in
// the microVM.
func elsewhere(mode Mode, goos string) (Decision, error) {
	if mode == Never {
		return Decision{}, fmt.Errorf("--vm=never: a lab is made of Linux's network namespaces and IPVS, and this is %s: drop --vm=never, and the lab lives in a microVM", goos)
	}
	return Decision{InVM: true, Reason: "this is " + goos + ", not Linux"}, nil
}

// ErrNeedsRoot is a lab kept on this kernel (--vm=never) for a user who is not root.
var ErrNeedsRoot = errors.New("a lab on this kernel needs root, as it builds network namespaces: run lvslab with sudo, or drop --vm=never to have the lab in a microVM, which needs no root")

func decide(mode Mode, needs Needs, notRoot bool) (Decision, error) {
	switch {
	case notRoot && mode == Never:
		return Decision{}, ErrNeedsRoot
	case notRoot:
		return Decision{InVM: true, Reason: "not root"}, nil // whatever the kernel has: no need to ask it
	}
	noIPVS := needs.IPVS && ipvsnl.Check() != nil
	switch {
	case !notRoot && !noIPVS:
		return Decision{}, nil
	case mode == Never:
		return Decision{WithoutIPVS: noIPVS}, nil
	}
	return Decision{InVM: true, Reason: "this kernel has no IPVS"}, nil
}
