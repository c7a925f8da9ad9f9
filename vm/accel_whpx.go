package vm

import "fmt"

// whpxState judges what WinHvPlatform.dll said of the hypervisor: loadErr when the DLL or its
// WHvGetCapability is missing (the Windows Hypervisor Platform feature is off), hr the call's HRESULT,
// present the capability WHvCapabilityCodeHypervisorPresent.
func whpxState(loadErr error, hr uint32, present bool) hwState {
	switch {
	case loadErr != nil:
		return hwState{why: fmt.Sprintf("Windows has no Hypervisor Platform here (%v): turn on the optional feature \"Windows Hypervisor Platform\" and restart", loadErr)}
	case hr != 0:
		return hwState{why: fmt.Sprintf("WHvGetCapability failed with HRESULT 0x%08x: Windows does not say whether its hypervisor runs", hr)}
	case !present:
		return hwState{why: "Windows's hypervisor is not running (WHvCapabilityCodeHypervisorPresent is false): turn on virtualization in the firmware, and the feature \"Windows Hypervisor Platform\""}
	}
	return hwState{usable: true, found: "the Windows Hypervisor Platform (WHvCapabilityCodeHypervisorPresent)"}
}
