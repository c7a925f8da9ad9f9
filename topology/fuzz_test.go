package topology

import (
	"errors"
	"testing"
)

// FuzzParse feeds Parse arbitrary bytes: it must not panic, and every failure must be Errors whose entries have
// a position (line 0 only for a problem with the whole file).
func FuzzParse(f *testing.F) {
	for _, name := range EmbeddedNames() {
		data, err := embedded.ReadFile("embedded/" + name + ".yaml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(base))
	for _, c := range errorCases {
		f.Add([]byte(edited(f, c.old, c.new)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		top, err := Parse("fuzz.yaml", data)
		if err == nil {
			if top == nil {
				t.Fatal("no topology and no error")
			}
			if err := Validate(top); err != nil {
				t.Fatalf("Parse accepted what Validate refuses: %v", err)
			}
			return
		}
		var errs Errors
		if !errors.As(err, &errs) || len(errs) == 0 {
			t.Fatalf("error %T %v is not Errors", err, err)
		}
		for _, e := range errs {
			if e.Line < 0 || e.Line == 0 && e.Field != "" || e.Line > 0 && e.Col < 1 {
				t.Errorf("bad position %d:%d for %v", e.Line, e.Col, e)
			}
		}
	})
}
