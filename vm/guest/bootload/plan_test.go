package bootload

import (
	"go/build"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestPlanRoundTrip(t *testing.T) {
	plan := []Module{{Name: "netfs"}, {Name: "virtio_mmio"}, {Name: "9pnet", After: []string{"netfs"}}, {Name: "9p", After: []string{"9pnet", "netfs"}}}
	got, err := Parse(Format(plan))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(got, plan, func(a, b Module) bool { return a.Name == b.Name && slices.Equal(a.After, b.After) }) {
		t.Errorf("Parse(Format(plan)) = %v, want %v", got, plan)
	}
}

func TestParseRefusesWhatIsNotAPlan(t *testing.T) {
	for _, c := range []struct{ plan, why string }{
		{"9p\tnetfs\nnetfs\t\n", "not a module before it"},    // a wait on a later module could cycle
		{"netfs\t\nnetfs\t\n", "expected a new module"},       // twice
		{"../etc/passwd\t\n", "expected a new module"},        // a path, not a name
		{"\t\n", "expected a new module"},                     // empty
		{"virtio_mmio\tvirtio_mmio\n", "not a module before"}, // after itself
		{strings.Repeat("m\t\n", 9000), "longer than 16 KiB"},
		{strings.Repeat("a", 70) + "\t\n", "expected a new module"},
	} {
		if _, err := Parse([]byte(c.plan)); err == nil || !strings.Contains(err.Error(), c.why) {
			t.Errorf("Parse(%.40q) = %v, want an error saying %q", c.plan, err, c.why)
		}
	}
	var many strings.Builder
	for i := range 65 {
		many.WriteString("m" + strconv.Itoa(i) + "\t\n")
	}
	if _, err := Parse([]byte(many.String())); err == nil || !strings.Contains(err.Error(), "more than 64") {
		t.Errorf("a plan of 65 modules: %v, want more than 64", err)
	}
}

func TestModuleParams(t *testing.T) {
	got := ModuleParams("console=ttyS0 quiet virtio_mmio.device=512@0xfeb00e00:12 virtio-mmio.force_legacy=1 9p.debug=1 a=b.c=d lvslab.guest=1 .x=1")
	want := map[string]string{"virtio_mmio": "device=512@0xfeb00e00:12 force_legacy=1", "9p": "debug=1", "lvslab": "guest=1", "": "x=1"}
	if !maps.Equal(got, want) {
		t.Errorf("ModuleParams = %v, want %v", got, want)
	}
}

// Go initialises a package once what it imports is, in the order of their import paths: bootload starts
// early only while it imports nothing that Go initialises late (os, fmt, lvslab's own packages, ...).
func TestImportsOnlyWhatGoInitialisesEarly(t *testing.T) {
	early := []string{"errors", "strings", "sync", "syscall", "time", "unsafe"}
	for _, arch := range []string{"amd64", "arm64"} {
		ctx := build.Default
		ctx.GOOS, ctx.GOARCH = "linux", arch
		pkg, err := ctx.ImportDir(".", 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range pkg.Imports {
			if !slices.Contains(early, imp) {
				t.Errorf("bootload imports %s: only %v keep it early in Go's initialisation", imp, early)
			}
		}
	}
}
