package topology

import (
	"errors"
	"fmt"
	"strings"
)

// Lab, network and host names become parts of namespace, bridge and interface names, hence the strict rule.
const (
	maxNameLen = 32
	nameRule   = "1 to 32 lowercase letters, digits and '-', starting and ending with a letter or digit"

	maxInterfaceNameLen = 15 // IFNAMSIZ less the terminating NUL
)

// reservedHostNames are names lvslab keeps for its own namespaces.
var reservedHostNames = []string{"switch"}

// ValidateName checks a lab name given apart from a topology (lvslab up --name) by the rule Validate applies.
func ValidateName(name string) error {
	if name == "" {
		return errors.New("a lab name is required: " + nameRule)
	}
	if msg := nameProblem(name); msg != "" {
		return errors.New(msg)
	}
	return nil
}

// nameProblem says what is wrong with a lab, network or host name, or "" when it is fine.
func nameProblem(name string) string {
	ok := len(name) >= 1 && len(name) <= maxNameLen && isLowerAlnum(name[0]) && isLowerAlnum(name[len(name)-1])
	for i := 0; ok && i < len(name); i++ {
		ok = isLowerAlnum(name[i]) || name[i] == '-'
	}
	if ok {
		return ""
	}
	return fmt.Sprintf("%q is not a valid name; use %s", name, nameRule)
}

func isLowerAlnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

// interfaceNameProblem applies the kernel's rule for network device names (dev_valid_name).
func interfaceNameProblem(name string) string {
	switch {
	case name == "":
		return "interface name is empty"
	case len(name) > maxInterfaceNameLen:
		return fmt.Sprintf("interface name %q is %d bytes; Linux allows at most %d", name, len(name), maxInterfaceNameLen)
	case strings.ContainsAny(name, "/: \t\n\r\v\f"):
		return fmt.Sprintf("interface name %q contains '/', ':' or whitespace, which Linux does not allow", name)
	case name == "." || name == "..":
		return fmt.Sprintf("interface name %q is not allowed by Linux", name)
	case name == "lo":
		return `interface name "lo" is the loopback every host already has; pick another name such as eth0`
	}
	return ""
}

// sysctlKeyProblem allows only dotted net.* keys: those are per network namespace, whereas vm.*, kernel.* and
// the like would change the machine the lab runs on.
func sysctlKeyProblem(key string) string {
	if len(key) > maxSysctlKey {
		return fmt.Sprintf("sysctl %s is %d bytes long; a key is at most %d", Clip(key, 40), len(key), maxSysctlKey)
	}
	if strings.Contains(key, "/") {
		return fmt.Sprintf("sysctl %q: write the key with dots, as in %s", key, strings.ReplaceAll(key, "/", "."))
	}
	if !strings.HasPrefix(key, "net.") {
		return fmt.Sprintf("sysctl %q is not allowed; only per-namespace net.* settings are (vm.* or kernel.* would change this machine)", key)
	}
	for _, part := range strings.Split(key, ".") {
		if part == "" || strings.IndexFunc(part, func(r rune) bool { return !isSysctlChar(r) }) >= 0 {
			return fmt.Sprintf("sysctl %q is malformed; a key is dot-separated words of letters, digits, '_' and '-', as in net.ipv4.ip_forward", key)
		}
	}
	return ""
}

func isSysctlChar(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '-'
}

// Bounds of a sysctl: the longest key under /proc/sys/net is well under 100 bytes, and the longest value
// (tcp_rmem's three numbers) under 40.
const (
	maxSysctlKey   = 128
	maxSysctlValue = 256
)

// Clip shortens s for a message: at most n bytes of it, marked when cut.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + fmt.Sprintf("… (%d bytes)", len(s))
}
