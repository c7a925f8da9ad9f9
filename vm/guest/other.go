//go:build !linux

// Package guest is the microVM's inside: lvslab as the guest's /init. The guest is Linux; lvslab built
// for another OS is never anyone's /init.
package guest

// RunIfInit returns at once: only a Linux build of lvslab runs in the microVM.
func RunIfInit(LabNamespace) {}
