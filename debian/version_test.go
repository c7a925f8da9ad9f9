package debian

import "testing"

// The order dpkg --compare-versions gives these versions; each run of "=" is equal.
var dpkgOrder = [][]string{
	{"1.0~rc1"}, {"1.0~rc1-1"}, {"1.00", "1.0", "0:1.0", "01.0"}, {"1.0-1"}, {"1.0-1a"}, {"1.0-1.1"},
	{"1.0-2"}, {"1.0a"}, {"1.0+b1"}, {"1.0.1"}, {"2.0~~"}, {"2.0~"}, {"2.0"}, {"6.1.176-1"},
	{"6.1.192-2"}, {"6.1.192-3"}, {"6.12.118-1~deb12u1"}, {"6.12.118-1"}, {"6.12.118-1+deb12u1"},
	{"1:0.9"},
}

func TestCompareVersionsOrdersAsDpkgDoes(t *testing.T) {
	for i, group := range dpkgOrder {
		for j, other := range dpkgOrder {
			want := sign(i - j)
			for _, a := range group {
				for _, b := range other {
					if got := CompareVersions(a, b); got != want {
						t.Errorf("CompareVersions(%q, %q) = %d, dpkg says %d", a, b, got, want)
					}
				}
			}
		}
	}
}
