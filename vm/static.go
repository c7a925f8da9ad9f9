package vm

import (
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"os"
)

// checkStatic makes sure exe can run as /init in an initramfs that has no dynamic loader or libc.
func checkStatic(exe string) error { return checkInit(exe, nil) }

// checkInit makes sure exe can be the guest's /init: an ELF executable, built for a (any architecture when
// a is nil), that runs without a libc.
func checkInit(exe string, a *guestArch) error {
	f, err := elf.Open(exe)
	if err != nil {
		return fmt.Errorf("%s: expected an ELF executable to run as the guest's /init: %w", exe, err)
	}
	defer f.Close()
	if a != nil && f.Machine != a.elfMachine {
		return fmt.Errorf("%s is built for %s, but the guest is %s (%s): rebuild it for linux/%s", exe, f.Machine, a.name, a.elfMachine, a.name)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			interp, _ := io.ReadAll(p.Open())
			return fmt.Errorf("%s is dynamically linked (it needs %s), but the VM runs it as /init without a libc: build it with CGO_ENABLED=0 (make build does)", exe, bytes.TrimRight(interp, "\x00"))
		}
	}
	return nil
}

// CheckInit tells whether the running binary can be the guest's /init, and if not, why.
func CheckInit() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	return checkStatic(exe)
}
