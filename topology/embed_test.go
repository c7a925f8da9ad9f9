package topology

import (
	"slices"
	"strings"
	"testing"
)

func TestEveryEmbeddedTopologyLoads(t *testing.T) {
	names := EmbeddedNames()
	if !slices.Contains(names, DefaultName) {
		t.Fatalf("EmbeddedNames() = %v, want it to hold %s", names, DefaultName)
	}
	for _, name := range names {
		top, err := Embedded(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if top.Source != "embedded:"+name+".yaml" {
			t.Errorf("%s: source %q", name, top.Source)
		}
	}
}

func TestEmbeddedByFileName(t *testing.T) {
	if _, err := Embedded("nat-walkthrough.yaml"); err != nil {
		t.Error(err)
	}
}

func TestEmbeddedUnknownNameListsTheKnownOnes(t *testing.T) {
	_, err := Embedded("nat")
	if err == nil || !strings.Contains(err.Error(), `no embedded topology "nat"; embedded: dr, dr-failing-server, dr-slow-server, dr-udp, nat-failing-server, nat-fwmark, nat-portmap, nat-slow-server, nat-tutorial, nat-udp, nat-walkthrough, tun`) {
		t.Errorf("Embedded(nat): %v", err)
	}
}
