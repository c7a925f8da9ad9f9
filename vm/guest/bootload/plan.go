// Package bootload starts loading the guest's boot modules the moment Go initialises it, while the rest of
// lvslab's packages are still initialising: under emulation both take a fifth of a second, and one boot
// module alone (6.12's netfs, which 9p needs) a sixth. It imports only what Go initialises first (syscall,
// sync, errors, time), and Go initialises packages by import path, each once what it imports is done, so
// it runs before os, fmt and the rest.
package bootload

import (
	"errors"
	"strings"
)

// PlanPath is where the initramfs holds the plan: a line a boot module, in load order, its name and, after
// a tab, the modules it comes after, by comma. Each module is BootModuleDir/NAME.ko, loaded with the
// parameters the kernel command line gives it (ModuleParams), as modprobe would.
const (
	PlanPath      = "/lvslab/boot.plan"
	BootModuleDir = "/lvslab/ko"
	maxPlanBytes  = 16 << 10
	maxModules    = 64
)

// Module is one step of the plan.
type Module struct {
	Name  string
	After []string
}

// Format writes the plan.
func Format(mods []Module) []byte {
	var b strings.Builder
	for _, m := range mods {
		b.WriteString(m.Name + "\t" + strings.Join(m.After, ",") + "\n")
	}
	return []byte(b.String())
}

// Parse reads a plan, as untrusted data: at most maxModules modules, each a module's name, coming after
// modules named earlier in the plan only (so that no wait can cycle).
func Parse(data []byte) ([]Module, error) {
	if len(data) > maxPlanBytes {
		return nil, errors.New("boot plan: longer than 16 KiB")
	}
	var mods []Module
	seen := map[string]bool{}
	for line := range strings.Lines(string(data)) {
		name, after, _ := strings.Cut(strings.TrimSuffix(line, "\n"), "\t")
		if !validName(name) || seen[name] {
			return nil, errors.New("boot plan: expected a new module's name, found " + quote(name))
		}
		m := Module{Name: name}
		if after != "" {
			m.After = strings.Split(after, ",")
		}
		for _, a := range m.After {
			if !seen[a] {
				return nil, errors.New("boot plan: " + name + " comes after " + quote(a) + ", which is not a module before it")
			}
		}
		seen[name] = true
		if mods = append(mods, m); len(mods) > maxModules {
			return nil, errors.New("boot plan: more than 64 modules")
		}
	}
	return mods, nil
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return "\"" + s + "\""
}

// ModuleParams are the modules' parameters on a kernel command line: each word MODULE.PARAM=VALUE, by
// module (its name with dashes as underscores, as the kernel has it), as modprobe reads them.
func ModuleParams(cmdline string) map[string]string {
	params := map[string]string{}
	for _, w := range strings.Fields(cmdline) {
		mod, param, ok := strings.Cut(w, ".")
		if !ok || !strings.Contains(param, "=") || strings.Contains(mod, "=") {
			continue
		}
		mod = strings.ReplaceAll(mod, "-", "_")
		params[mod] = strings.TrimSpace(params[mod] + " " + param)
	}
	return params
}
