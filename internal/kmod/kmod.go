// Package kmod loads kernel modules with the system's modprobe.
package kmod

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Load runs modprobe name; its error carries what modprobe said.
func Load(name string) error {
	out, err := exec.Command(modprobe(), name).CombinedOutput()
	if err != nil {
		why := strings.TrimSpace(string(out))
		if why == "" {
			why = err.Error()
		}
		return fmt.Errorf("modprobe %s failed: %s", name, why)
	}
	return nil
}

// modprobe finds modprobe where Debian keeps it, which a user's PATH may lack.
func modprobe() string {
	if p, err := exec.LookPath("modprobe"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/modprobe", "/sbin/modprobe"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "modprobe"
}
