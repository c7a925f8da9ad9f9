package vm

import (
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"os"
)

// checkStatic makes sure exe can run as /init in an initramfs that has no dynamic loader or libc.
func checkStatic(exe string) error {
	f, err := openInit(exe)
	if err != nil {
		return err
	}
	defer f.Close()
	return staticErr(f, exe)
}

// openInit opens exe, the guest's /init to be, as the ELF executable it must be.
func openInit(exe string) (*elf.File, error) {
	f, err := elf.Open(exe)
	if err != nil {
		return nil, fmt.Errorf("%s: expected an ELF executable to run as the guest's /init: %w", exe, err)
	}
	return f, nil
}

// staticErr says why f, the executable exe, cannot run without a libc, if it cannot.
func staticErr(f *elf.File, exe string) error {
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
