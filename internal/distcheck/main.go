// Command distcheck checks the archives make dist writes: each holds lvslab for the OS and architecture
// its name says (the executable's format, ELF, Mach-O or PE, and machine read from its headers), and lvslab
// built for Linux on every architecture the microVM boots beside it; the lvslab this machine can run is
// run with --help.
// It exits 1 naming what is wrong.
package main

import (
	"archive/tar"
	"compress/gzip"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// guestArches are the architectures the microVM boots, each of whose Linux lvslab every archive carries.
var guestArches = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

func main() {
	failed := false
	for _, archive := range os.Args[1:] {
		if err := check(archive); err != nil {
			fmt.Fprintf(os.Stderr, "distcheck: %s: %v\n", archive, err)
			failed = true
			continue
		}
		fmt.Printf("distcheck: %s: ok\n", archive)
	}
	if failed || len(os.Args) < 2 {
		os.Exit(1)
	}
}

// check unpacks archive (lvslab-VERSION-OS-ARCH.tar.gz) into a temporary folder and checks what it holds.
func check(archive string) error {
	base := strings.TrimSuffix(filepath.Base(archive), ".tar.gz")
	parts := strings.Split(base, "-")
	if len(parts) < 4 || parts[0] != "lvslab" {
		return fmt.Errorf("expected a name lvslab-VERSION-OS-ARCH.tar.gz")
	}
	goos, goarch := parts[len(parts)-2], parts[len(parts)-1]
	dir, err := os.MkdirTemp("", "distcheck-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := unpack(archive, dir); err != nil {
		return err
	}
	root := filepath.Join(dir, base)
	exe := "lvslab"
	if goos == "windows" {
		exe = "lvslab.exe"
	}
	if err := checkHostBinary(filepath.Join(root, exe), goos, goarch); err != nil {
		return err
	}
	for arch, machine := range guestArches {
		if goos != "linux" || arch != goarch { // Linux's own lvslab is its guest's /init too
			if err := checkELF(filepath.Join(root, "lvslab-linux-"+arch), machine); err != nil {
				return err
			}
		}
	}
	if goos == runtime.GOOS && goarch == runtime.GOARCH {
		out, err := exec.Command(filepath.Join(root, exe), "--help").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "lvslab") {
			return fmt.Errorf("lvslab --help: %v\n%s", err, out)
		}
	}
	return nil
}

// machoCPUs are the Mac CPUs lvslab builds for.
var machoCPUs = map[string]macho.Cpu{"amd64": macho.CpuAmd64, "arm64": macho.CpuArm64}

// checkHostBinary makes sure path is lvslab for goos and goarch: a static ELF executable for Linux, a
// Mach-O executable for macOS, a PE console program for Windows.
func checkHostBinary(path, goos, goarch string) error {
	switch goos {
	case "linux":
		machine, ok := guestArches[goarch]
		if !ok {
			return fmt.Errorf("linux/%s: expected amd64 or arm64", goarch)
		}
		return checkELF(path, machine)
	case "darwin":
		cpu, ok := machoCPUs[goarch]
		if !ok {
			return fmt.Errorf("darwin/%s: expected amd64 or arm64", goarch)
		}
		return checkMachO(path, cpu)
	case "windows":
		if goarch != "amd64" {
			return fmt.Errorf("windows/%s: expected amd64", goarch)
		}
		return checkPE(path, pe.IMAGE_FILE_MACHINE_AMD64)
	}
	return fmt.Errorf("%s: this check knows Linux, macOS and Windows executables", goos)
}

// checkPE makes sure path is a Windows console program (a command-line tool, not a window's) for machine.
func checkPE(path string, machine uint16) error {
	f, err := pe.Open(path)
	if err != nil {
		return fmt.Errorf("%s: expected a Windows executable: %w", filepath.Base(path), err)
	}
	defer f.Close()
	var subsystem uint16
	if h, ok := f.OptionalHeader.(*pe.OptionalHeader64); ok {
		subsystem = h.Subsystem
	}
	if f.Machine != machine || f.Characteristics&pe.IMAGE_FILE_EXECUTABLE_IMAGE == 0 || f.Characteristics&pe.IMAGE_FILE_DLL != 0 ||
		subsystem != pe.IMAGE_SUBSYSTEM_WINDOWS_CUI {
		return fmt.Errorf("%s: expected a Windows console program for machine %#x, found machine %#x, characteristics %#x, subsystem %d",
			filepath.Base(path), machine, f.Machine, f.Characteristics, subsystem)
	}
	return nil
}

// checkMachO makes sure path is a macOS executable for cpu.
func checkMachO(path string, cpu macho.Cpu) error {
	f, err := macho.Open(path)
	if err != nil {
		return fmt.Errorf("%s: expected a macOS executable: %w", filepath.Base(path), err)
	}
	defer f.Close()
	if f.Cpu != cpu || f.Type != macho.TypeExec {
		return fmt.Errorf("%s: expected a macOS executable for %s, found a %s for %s", filepath.Base(path), cpu, f.Type, f.Cpu)
	}
	return nil
}

// checkELF makes sure path is a static Linux executable for machine.
func checkELF(path string, machine elf.Machine) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("%s: expected a Linux executable: %w", filepath.Base(path), err)
	}
	defer f.Close()
	if f.Machine != machine || f.Type != elf.ET_EXEC {
		return fmt.Errorf("%s: expected an executable for %s, found %s %s", filepath.Base(path), machine, f.Type, f.Machine)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s: dynamically linked; the microVM runs it as /init with no libc", filepath.Base(path))
		}
	}
	return nil
}

// unpack writes the archive's regular files and folders under dir, refusing any path that leaves it.
func unpack(archive, dir string) error {
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		dest := filepath.Join(dir, h.Name)
		if !strings.HasPrefix(dest, dir+string(filepath.Separator)) {
			return fmt.Errorf("%s: a path out of the archive", h.Name)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(dest, 0o755)
		case tar.TypeReg:
			err = writeFile(dest, tr, h.FileInfo().Mode().Perm())
		default:
			err = fmt.Errorf("%s: expected files and folders only", h.Name)
		}
		if err != nil {
			return err
		}
	}
}

func writeFile(dest string, r io.Reader, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(dest, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, io.LimitReader(r, 1<<30))
	return errors.Join(err, out.Close())
}
