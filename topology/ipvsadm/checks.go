package ipvsadm

import (
	"fmt"
	"strings"
)

// The kernel's own checks, shared by the parser (which points at the token) and Table.Apply (which also
// sees commands built by hand). Each returns "" when all is well.

func schedulerProblem(name string) string {
	if KnownScheduler(name) {
		return ""
	}
	return fmt.Sprintf("unknown scheduler %q; allowed: %s", name, strings.Join(Schedulers, " "))
}

func peProblem(name string) string {
	if name == "" || name == "sip" {
		return ""
	}
	return fmt.Sprintf("unknown persistence engine %q; allowed: sip", name)
}

// familyProblem: only a tunnelling real server may have another address family than its service.
func familyProblem(k ServiceKey, d *Dest) string {
	if d.Method == Tunnel || d.Addr.Addr().Is6() == k.is6() {
		return ""
	}
	return fmt.Sprintf("real server %s is %s but service %s is %s; only a tunnelling (-i) server may differ",
		d.Addr.Addr(), family(d.Addr.Addr().Is6()), k, family(k.is6()))
}

func (k ServiceKey) is6() bool {
	if k.IsFWMark() {
		return k.IPv6
	}
	return k.Addr.Addr().Is6()
}

func family(is6 bool) string {
	if is6 {
		return "IPv6"
	}
	return "IPv4"
}
