// Package toolver asks a program on PATH what version it is, for reports that say what they ran on.
package toolver

import (
	"context"
	"os/exec"
	"strings"
	"time"
)

// FirstLine is the first line of `NAME --version` ("QEMU emulator version 7.2.19 (Debian …)"), or "" when
// NAME is not on PATH, fails, or does not answer within a few seconds.
func FirstLine(ctx context.Context, name string) string {
	path, err := exec.LookPath(name)
	if err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(line)
}
