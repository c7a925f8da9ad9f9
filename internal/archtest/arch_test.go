// Package archtest holds docs/architecture.md to the code: every package is in its table, imports only
// what its row allows, and the pure packages import nothing that acts on the system; and no function is
// longer than a hundred lines.
package archtest

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/lvslab/lvslab/"

// externals are the names the table gives outside modules, by import path prefix.
var externals = map[string][]string{
	"yaml":             {"go.yaml.in/yaml/"},
	"x/sys":            {"golang.org/x/sys/"},
	"x/term":           {"golang.org/x/term"},
	"cobra":            {"github.com/spf13/cobra", "github.com/spf13/pflag"},
	"vegeta":           {"github.com/tsenart/vegeta/"},
	"netlink libs":     {"github.com/vishvananda/", "github.com/moby/ipvs", "github.com/google/nftables", "github.com/containernetworking/"},
	"OpenPGP":          {"github.com/ProtonMail/go-crypto/"},
	"compression libs": {"github.com/klauspost/compress/", "github.com/pierrec/lz4/", "github.com/ulikunitz/xz", "github.com/xi2/xz"},
	"EROFS":            {"github.com/erofs/go-erofs"},
}

// impure are the standard packages a pure package may not import: they reach the network, start
// processes or make system calls.
var impure = []string{"net", "net/http", "os/exec", "syscall", "os/signal"}

// pureInternal are the internal packages pure ones may use.
var pureInternal = []string{"internal/fieldpath", "internal/spell"}

type row struct {
	packages  []string // lvslab packages the row is about ("internal/" for the internal row)
	mayImport []string
	pure      bool
}

func TestArchitectureTableHoldsForTheCode(t *testing.T) {
	root := moduleRoot(t)
	rows, pureList := readTable(t, filepath.Join(root, "docs", "architecture.md"))
	imports := goList(t, root)
	for pkg, deps := range imports {
		r, ok := rowOf(rows, pkg)
		if !ok {
			t.Errorf("%s is not in docs/architecture.md's package table", pkg)
			continue
		}
		allowed := allowedBy(rows, r)
		for _, dep := range deps {
			if !allowed(dep) {
				t.Errorf("%s imports %s, which its row in docs/architecture.md does not allow (may import: %s)", pkg, dep, strings.Join(r.mayImport, ", "))
			}
		}
		if r.pure != slices.Contains(pureList, pkg) && !strings.HasPrefix(pkg, "internal/") {
			t.Errorf("%s: its row says pure=%v, the list of pure packages says %v", pkg, r.pure, !r.pure)
		}
		if slices.Contains(pureList, pkg) {
			for _, dep := range deps {
				if !pureImport(dep, pureList) {
					t.Errorf("%s is listed pure but imports %s", pkg, dep)
				}
			}
		}
	}
}

func pureImport(dep string, pureList []string) bool {
	switch {
	case slices.Contains(impure, dep), strings.HasPrefix(dep, "golang.org/x/sys/"):
		return false
	case strings.HasPrefix(dep, module):
		p := strings.TrimPrefix(dep, module)
		return slices.Contains(pureList, p) || slices.Contains(pureInternal, p)
	}
	return isStd(dep) || strings.HasPrefix(dep, "go.yaml.in/")
}

// allowedBy is what r's "may import" column allows: stdlib, the externals it names, the packages it
// names, every package of the rows above it ("all of the above"), and internal packages.
func allowedBy(rows []row, r row) func(string) bool {
	var prefixes, pkgs []string
	std := false
	for _, m := range r.mayImport {
		switch {
		case m == "stdlib":
			std = true
		case m == "all of the above":
			for _, above := range rows {
				if slices.Equal(above.packages, r.packages) {
					break
				}
				pkgs = append(pkgs, above.packages...)
			}
		case externals[m] != nil:
			prefixes = append(prefixes, externals[m]...)
		case strings.HasPrefix(m, "`"):
			pkgs = append(pkgs, strings.Trim(strings.Fields(m)[0], "`"))
		}
	}
	return func(dep string) bool {
		if strings.HasPrefix(dep, module) {
			p := strings.TrimPrefix(dep, module)
			return strings.HasPrefix(p, "internal/") || slices.Contains(pkgs, p)
		}
		if isStd(dep) {
			return std
		}
		return slices.ContainsFunc(prefixes, func(pre string) bool { return strings.HasPrefix(dep, pre) })
	}
}

func isStd(path string) bool { return !strings.Contains(strings.Split(path, "/")[0], ".") }

func rowOf(rows []row, pkg string) (row, bool) {
	for _, r := range rows {
		if slices.Contains(r.packages, pkg) {
			return r, true
		}
	}
	return row{}, false
}

var backticked = regexp.MustCompile("`([^`]+)`")

// readTable reads the package table and the sentence that lists the pure packages. The internal row must
// name each internal package: its rows stand for internal/ as a whole.
func readTable(t *testing.T, path string) (rows []row, pure []string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "Pure packages (") {
			list := line[:strings.Index(line, ")")]
			for _, m := range backticked.FindAllStringSubmatch(list, -1) {
				pure = append(pure, m[1])
			}
		}
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		if len(cells) != 3 {
			t.Fatalf("docs/architecture.md: a table row of %d cells, want 3: %s", len(cells), line)
		}
		var r row
		for _, m := range backticked.FindAllStringSubmatch(cells[0], -1) {
			name := m[1]
			if name == "internal/…" {
				name = "internal/"
			}
			r.packages = append(r.packages, name)
		}
		if slices.Contains(r.packages, "internal/") {
			for _, m := range backticked.FindAllStringSubmatch(cells[1], -1) {
				r.packages = append(r.packages, "internal/"+m[1])
			}
		}
		r.pure = strings.Contains(cells[1], "; pure")
		for _, m := range strings.Split(strings.TrimSpace(cells[2]), ", ") {
			r.mayImport = append(r.mayImport, strings.TrimSpace(m))
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 || len(pure) == 0 {
		t.Fatalf("docs/architecture.md: found %d table rows and %d pure packages; is the table still there?", len(rows), len(pure))
	}
	return rows, pure
}

// goList maps each of the module's packages (without the module prefix) to its imports, tests' left out.
func goList(t *testing.T, root string) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	imports := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg, ok := strings.CutPrefix(f[0], module)
		if !ok {
			continue
		}
		imports[pkg] = f[1:]
	}
	return imports
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}
