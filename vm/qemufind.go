package vm

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
)

// qemuPlaces are the folders qemu's installers put it in, looked in after $PATH, which a shell's profile
// may not have given lvslab: Homebrew on Apple Silicon and on Intel, MacPorts; qemu's Windows installer.
var qemuPlaces = map[string][]string{
	"darwin":  {"/opt/homebrew/bin", "/usr/local/bin", "/opt/local/bin"},
	"windows": {`C:\Program Files\qemu`},
}

// findQemu is the qemu program that runs a guest of a: on $PATH, else where the OS's installers put it.
func findQemu(a guestArch) (string, error) {
	return findQemuOn(runtime.GOOS, a, exec.LookPath)
}

func findQemuOn(goos string, a guestArch, lookPath func(string) (string, error)) (string, error) {
	if p, err := lookPath(a.qemu); err == nil {
		return p, nil
	}
	program := a.qemu
	if goos == "windows" {
		program += ".exe"
	}
	for _, dir := range qemuPlaces[goos] {
		if p, err := lookPath(filepath.Join(dir, program)); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found on $PATH%s, which an %s guest needs; install it: %s", a.qemu, placesSaid(goos), a.name, qemuInstallHint(goos, a))
}

func placesSaid(goos string) string {
	if len(qemuPlaces[goos]) == 0 {
		return ""
	}
	return fmt.Sprintf(" nor in %v", qemuPlaces[goos])
}

// qemuInstallHint says how to install qemu on the OS.
func qemuInstallHint(goos string, a guestArch) string {
	switch goos {
	case "darwin":
		return "brew install qemu (Homebrew), or sudo port install qemu (MacPorts)"
	case "windows":
		return "winget install SoftwareFreedomConservancy.QEMU, or the installer from qemu.org"
	}
	return fmt.Sprintf("apt-get install %s (Debian, Ubuntu); elsewhere your distribution's package with %s", a.qemuPackage, a.qemu)
}
