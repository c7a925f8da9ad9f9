//go:build linux

package guest

import (
	"slices"
	"testing"
)

func TestParseModprobeArgs(t *testing.T) {
	for _, c := range []struct {
		args   []string
		names  []string
		params string
		quiet  bool
	}{
		{[]string{"-q", "--", "rtnl-link-veth"}, []string{"rtnl-link-veth"}, "", true},
		{[]string{"ip_vs", "conn_tab_bits=12"}, []string{"ip_vs"}, "conn_tab_bits=12", false},
		{[]string{"-a", "-v", "veth", "bridge"}, []string{"veth", "bridge"}, "", false},
		{[]string{"-S", "6.1.0", "-d", "/", "ipip"}, []string{"ipip"}, "", false},
	} {
		names, params, quiet, err := parseModprobeArgs(c.args)
		if err != nil || !slices.Equal(names, c.names) || params != c.params || quiet != c.quiet {
			t.Errorf("%q: got %q %q %v %v, want %q %q %v", c.args, names, params, quiet, err, c.names, c.params, c.quiet)
		}
	}
	if _, _, _, err := parseModprobeArgs([]string{"-r", "ip_vs"}); err == nil {
		t.Error("modprobe -r: got no error")
	}
}
