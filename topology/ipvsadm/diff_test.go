package ipvsadm

import (
	"strings"
	"testing"
)

func tableOf(t *testing.T, rules string) *Table {
	t.Helper()
	cmds, errs := ParseRules(rules)
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	var table Table
	for _, c := range cmds {
		if err := table.Apply(c); err != nil {
			t.Fatal(err)
		}
	}
	return &table
}

func TestDiffNamesEveryDifference(t *testing.T) {
	want := tableOf(t, `-A -t 192.168.0.75:80 -s wrr
-a -t 192.168.0.75:80 -r 172.16.0.45:80 -m -w 3
-a -t 192.168.0.75:80 -r 172.16.0.55:80 -m -w 1
-A -u 192.168.0.75:53 -s rr`)
	for _, tc := range []struct {
		got  string
		want []string
	}{
		{`-A -u 192.168.0.75:53 -s rr
-A -t 192.168.0.75:80 -s wrr
-a -t 192.168.0.75:80 -r 172.16.0.45:80 -m -w 3
-a -t 192.168.0.75:80 -r 172.16.0.55:80 -m -w 1`, nil},
		{`-A -t 192.168.0.75:80 -s rr
-a -t 192.168.0.75:80 -r 172.16.0.45:80 -m -w 3
-a -t 192.168.0.75:80 -r 172.16.0.55:80 -m -w 2
-a -t 192.168.0.75:80 -r 172.16.0.65:80 -m`, []string{
			"service UDP 192.168.0.75:53 is missing",
			"service TCP 192.168.0.75:80: want -A -t 192.168.0.75:80 -s wrr, have -A -t 192.168.0.75:80 -s rr",
			"want -a -t 192.168.0.75:80 -r 172.16.0.55:80 -m -w 1, have -a -t 192.168.0.75:80 -r 172.16.0.55:80 -m -w 2",
			"real server 172.16.0.65:80 should not be there",
		}},
		{`-A -u 192.168.0.75:53 -s rr
-A -t 192.168.0.75:80 -s wrr
-a -t 192.168.0.75:80 -r 172.16.0.55:80 -m -w 1
-a -t 192.168.0.75:80 -r 172.16.0.45:80 -m -w 3`, []string{
			"real servers in list order [172.16.0.45:80 172.16.0.55:80], want [172.16.0.55:80 172.16.0.45:80]",
		}},
	} {
		got := strings.Join(Diff(want, tableOf(t, tc.got)), "\n")
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("diff lacks %q; got:\n%s", w, got)
			}
		}
		if len(tc.want) == 0 && got != "" {
			t.Errorf("equal tables differ:\n%s", got)
		}
		if n := strings.Count(got, "\n") + 1; len(tc.want) > 0 && n != len(tc.want) {
			t.Errorf("want %d differences, got %d:\n%s", len(tc.want), n, got)
		}
	}
}
