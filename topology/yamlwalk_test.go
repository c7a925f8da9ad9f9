package topology

import (
	"reflect"
	"testing"

	"go.yaml.in/yaml/v3"
)

type walkInner struct {
	Port  int            `yaml:"port"`
	On    bool           `yaml:"on"`
	Split map[string]int `yaml:"split"`
}

type walkOuter struct {
	Name      string `yaml:"name"`
	walkInner `yaml:",inline"`
	Items     []walkInner `yaml:"items"`
}

// The walk places every field (a user's name at its key), and finds each value that does not fit: a field
// the type lacks, a key given twice, a value of another kind; an inline struct's fields are the outer's.
func TestWalkYAMLPlacesFieldsAndFindsWhatDoesNotFit(t *testing.T) {
	doc := "name: x\nport: 80\nsplit: {rs1: 3}\nitems:\n  - port: many\n    onn: true\n  - on: 7\nname: y\n"
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &root); err != nil {
		t.Fatal(err)
	}
	at, problems := WalkYAML(root.Content[0], reflect.TypeOf(walkOuter{}))
	for path, want := range map[string][2]int{"port": {2, 7}, "split.rs1": {3, 9}, "items[0].port": {5, 11}, "items[1]": {7, 5}} {
		if n := at[path]; n == nil || n.Line != want[0] || n.Column != want[1] {
			t.Errorf("%s placed at %v, want %d:%d", path, n, want[0], want[1])
		}
	}
	want := []YAMLProblem{ // a mapping's repeated keys are found before its values are walked
		{Kind: DuplicateKey, Line: 8, Col: 1, Key: "name", First: 1},
		{Kind: WrongKind, Line: 5, Col: 11, Path: "items[0].port", Want: "a whole number"},
		{Kind: UnknownField, Line: 6, Col: 5, Path: "items[0]", Key: "onn", Allowed: []string{"on", "port", "split"}},
		{Kind: WrongKind, Line: 7, Col: 9, Path: "items[1].on", Want: "true or false"},
	}
	if len(problems) != len(want) {
		t.Fatalf("problems %+v, want %d", problems, len(want))
	}
	for i, p := range problems {
		p.Found = nil
		if !reflect.DeepEqual(p, want[i]) {
			t.Errorf("problem %d: %+v, want %+v", i, p, want[i])
		}
	}
}
