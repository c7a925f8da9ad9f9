package vm

import "fmt"

// hvfState judges macOS's kern.hv_support, as read (or not).
func hvfState(v uint32, err error) hwState {
	switch {
	case err != nil:
		return hwState{why: fmt.Sprintf("macOS does not say whether it has Hypervisor.framework (sysctl kern.hv_support: %v)", err)}
	case v != 1:
		return hwState{why: "macOS has no Hypervisor.framework here (sysctl kern.hv_support is 0: a Mac without VT-x, or a VM without nested virtualization)"}
	}
	return hwState{usable: true, found: "Hypervisor.framework (kern.hv_support)"}
}
