package main

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/topology/ipvsadm"
	"github.com/spf13/cobra"
)

func TestURLHostBracketsIPv6(t *testing.T) {
	for _, c := range []struct {
		addr string
		port uint16
		want string
	}{
		{"172.16.0.45", 80, "172.16.0.45"},
		{"172.16.0.45", 8080, "172.16.0.45:8080"},
		{"fd00:10::45", 80, "[fd00:10::45]"},
		{"fd00:10::45", 8080, "[fd00:10::45]:8080"},
	} {
		if got := urlHost(netip.MustParseAddr(c.addr), c.port); got != c.want {
			t.Errorf("urlHost(%s, %d) = %q, want %q", c.addr, c.port, got, c.want)
		}
	}
}

// What runs again in a microVM is the command as parsed: every flag that was set (but those dropped), with
// its value, and the arguments on either side of "--".
func TestCommandLineIsRebuiltFromTheParsedFlags(t *testing.T) {
	root := &cobra.Command{Use: "lvslab"}
	var got []string
	load := &cobra.Command{Use: "load", RunE: func(c *cobra.Command, args []string) error {
		got = commandLine(c, args, "vm")
		return nil
	}}
	load.Flags().String("vm", "auto", "")
	load.Flags().IntP("requests", "n", 0, "")
	load.Flags().StringSlice("kernel", nil, "")
	load.Flags().Bool("keepalive", false, "")
	load.Flags().String("json", "", "")
	root.AddCommand(load)
	root.SetArgs([]string{"load", "--vm", "always", "-n", "5", "--kernel", "a", "--kernel=b", "--keepalive", "http://x/", "--", "--vm=x"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	want := "load --keepalive=true --kernel=a --kernel=b --requests=5 http://x/ -- --vm=x"
	if strings.Join(got, " ") != want {
		t.Errorf("commandLine = %q, want %q", strings.Join(got, " "), want)
	}
}

// The microVM loads every scheduler of the registry that its kernel has.
func TestGuestModulesFollowTheSchedulerRegistry(t *testing.T) {
	required, optional := lab.KernelModules()
	for _, s := range ipvsadm.SchedulerRegistry {
		if !slices.Contains(optional, "ip_vs_"+s.Name) {
			t.Errorf("the microVM does not load ip_vs_%s", s.Name)
		}
	}
	if !slices.Contains(required, "ip_vs") {
		t.Errorf("the microVM does not load ip_vs: %v", required)
	}
}
