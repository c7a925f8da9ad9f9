//go:build linux

package bootload

const sysFinitModule = 313
