package fieldpath

import "testing"

func TestPaths(t *testing.T) {
	path := Child(Item(Child(Child("hosts", "rs1"), "interfaces"), 0), "address")
	if path != "hosts.rs1.interfaces[0].address" {
		t.Fatalf("built %q", path)
	}
	var up []string
	for f := path; f != ""; f = Parent(f) {
		up = append(up, f)
	}
	want := []string{"hosts.rs1.interfaces[0].address", "hosts.rs1.interfaces[0]", "hosts.rs1.interfaces", "hosts.rs1", "hosts"}
	if len(up) != len(want) {
		t.Fatalf("parents %q", up)
	}
	for i := range want {
		if up[i] != want[i] {
			t.Errorf("parent %d: %q, want %q", i, up[i], want[i])
		}
	}
}
