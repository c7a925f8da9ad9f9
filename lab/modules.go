package lab

import "github.com/lvslab/lvslab/topology/ipvsadm"

// KernelModules are the modules a lab needs from the kernel: IPVS, veth, bridge, ipip and nf_tables, and
// (optional: a kernel may lack one, as 6.1 lacks twos) every scheduler's and netem, which shapes links. A
// microVM loads them at boot.
func KernelModules() (required, optional []string) {
	for _, s := range ipvsadm.SchedulerRegistry {
		optional = append(optional, s.Module())
	}
	optional = append(optional, netemModule)
	return []string{"ip_vs", "veth", "bridge", "ipip", "nf_tables"}, optional
}

// netemModule is the kernel module of netem, which Debian's kernels build as a module.
const netemModule = "sch_netem"
