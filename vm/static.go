package vm

import (
	"bytes"
	"debug/elf"
	"fmt"
	"io"
)

// checkInit makes sure exe can be the guest's /init: an ELF executable, built for a, that runs without a
// libc.
func checkInit(exe string, a guestArch) error {
	f, err := elf.Open(exe)
	if err != nil {
		return fmt.Errorf("%s: expected an ELF executable to run as the guest's /init: %w", exe, err)
	}
	defer f.Close()
	if f.Machine != a.elfMachine {
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

// CheckInit tells whether this lvslab has the /init a guest of arch (or of the kernel package pkg's, or
// the default: see Options.Arch) would boot: itself, or on another architecture or OS its Linux build
// beside it; and if not, why.
func CheckInit(arch, pkg string) error {
	a, err := archOf(arch, pkg)
	if err != nil {
		return err
	}
	_, err = a.guestInit()
	return err
}
