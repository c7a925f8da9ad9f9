package vm

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

var hostAccel = hwAccels[2] // WHPX

// whvCapabilityCodeHypervisorPresent is WHV_CAPABILITY_CODE's first value (WinHvPlatformDefs.h).
const whvCapabilityCodeHypervisorPresent = 0

// probeHW asks the Windows Hypervisor Platform whether its hypervisor runs, as qemu's WHPX does first. A
// Windows that says yes may still fail to boot the guest under WHPX: the boot watchdog catches that, as it
// does for KVM.
func probeHW() hwState {
	proc := windows.NewLazySystemDLL("WinHvPlatform.dll").NewProc("WHvGetCapability")
	if err := proc.Find(); err != nil {
		return whpxState(err, 0, false)
	}
	var present, written uint32
	hr, _, _ := proc.Call(whvCapabilityCodeHypervisorPresent, uintptr(unsafe.Pointer(&present)), unsafe.Sizeof(present), uintptr(unsafe.Pointer(&written)))
	return whpxState(nil, uint32(hr), present != 0)
}

// hostAccelKey is what a remembered verdict on WHPX holds for: Windows's version and build.
func hostAccelKey() memoKey {
	v := windows.RtlGetVersion()
	return memoKey{HostKernel: fmt.Sprintf("%d.%d.%d", v.MajorVersion, v.MinorVersion, v.BuildNumber)}
}
