package debian

import (
	"strings"
	"testing"
)

func TestReadParagraphsRefusesWhatIsNoControlFile(t *testing.T) {
	cases := map[string]string{
		"Package: a\n no field before\nthis line\n":                         `line 3: expected "Field: value"`,
		" continuation first\n":                                             "line 1: a continuation line before any field",
		"Package: a\nDescription: " + strings.Repeat("x", maxLine+1) + "\n": "token too long",
	}
	for text, want := range cases {
		err := ReadParagraphs(strings.NewReader(text), nil, func(Paragraph) error { return nil })
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%.40q: got %v, want %q", text, err, want)
		}
	}
	var got []Paragraph
	ReadParagraphs(strings.NewReader("A: 1\nB: x\n y\n\n\n# comment\nA: 2\n"), func(f string) bool { return f != "C" }, func(p Paragraph) error {
		got = append(got, p)
		return nil
	})
	if len(got) != 2 || got[0]["B"] != "x\ny" || got[1]["A"] != "2" {
		t.Errorf("paragraphs %v", got)
	}
}
