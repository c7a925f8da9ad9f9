//go:build unix

package userland

import "golang.org/x/sys/unix"

// syncAll writes every file's data to disk.
func syncAll() { unix.Sync() }
