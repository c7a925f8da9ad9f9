package debian

import (
	"fmt"
	"testing"
)

func TestRelationsNamesEachAlternative(t *testing.T) {
	got := Relations("libc6 (>= 2.14), lsb-base (>= 3.0-6) | systemd-sysv, perl:any,  , libfoo [amd64] <!nocheck>")
	want := [][]string{{"libc6"}, {"lsb-base", "systemd-sysv"}, {"perl"}, {"libfoo"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Relations = %v, want %v", got, want)
	}
}
