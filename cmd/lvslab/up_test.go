package main

import (
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/lvslab/lvslab/bars"
	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/labs"
	"github.com/lvslab/lvslab/loadgen"
	"github.com/lvslab/lvslab/topology/ipvsadm"
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

// A load sent into a lab's microVM is the same load there: lvslab load's flags, read back from the
// command line the request becomes, give the request again.
func TestLoadRequestsSurviveTheTripIntoAMicroVM(t *testing.T) {
	for _, req := range []labs.LoadRequest{
		{Options: loadgen.Options{Requests: 500, Concurrency: 20, KeepAlive: true, Timeout: 3 * time.Second, TimeLimit: time.Minute}, Bars: bars.Unicode},
		{Options: loadgen.Options{Concurrency: 4, Rate: 250.5, Duration: 2 * time.Second, Timeout: time.Second, TimeLimit: 5 * time.Minute},
			URL: "udp://192.168.0.75:53", From: "director", AllowOutside: true, JSON: "out.json", Bars: bars.ASCII},
		{Options: loadgen.Options{Requests: 10, Concurrency: 1, Datagrams: 3, Timeout: time.Second, TimeLimit: time.Minute}, URL: "-odd"},
	} {
		args := labs.LoadArgs("lab2", req)
		cmd := newLoadCommand()
		if err := cmd.ParseFlags(args[1:]); err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		f := cmd.Flags()
		n, _ := f.GetInt("requests")
		c, _ := f.GetInt("concurrency")
		k, _ := f.GetBool("keepalive")
		d, _ := f.GetInt("datagrams")
		rate, _ := f.GetFloat64("rate")
		dur, _ := f.GetDuration("duration")
		timeout, _ := f.GetDuration("timeout")
		limit, _ := f.GetDuration("time-limit")
		from, _ := f.GetString("from")
		lab, _ := f.GetString("lab")
		jsonFile, _ := f.GetString("json")
		outside, _ := f.GetBool("allow-outside")
		style, _ := f.GetString("bars")
		got := labs.LoadRequest{Options: loadgen.Options{Concurrency: c, KeepAlive: k, Datagrams: d, Rate: rate, Duration: dur, Timeout: timeout, TimeLimit: limit},
			From: from, AllowOutside: outside, JSON: jsonFile}
		got.Bars, _ = bars.ParseStyle(style)
		if f.Changed("requests") {
			got.Options.Requests = n
		}
		if rest := f.Args(); len(rest) == 1 {
			got.URL = rest[0]
		}
		if !reflect.DeepEqual(got, req) || lab != "lab2" {
			t.Errorf("%q reads back as %+v in lab %s, want %+v", args, got, lab, req)
		}
	}
}
