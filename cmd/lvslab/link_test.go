package main

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/labs"
	"github.com/lvslab/lvslab/topology"
)

// parseLink reads lvslab link's arguments (without the word link) as the command does.
func parseLink(t *testing.T, args ...string) (labs.LinkRequest, error) {
	t.Helper()
	cmd, lf := linkCommand()
	if err := cmd.Flags().Parse(args); err != nil {
		return labs.LinkRequest{}, err
	}
	if len(cmd.Flags().Args()) != 1 {
		t.Fatalf("%q: positional arguments %q", args, cmd.Flags().Args())
	}
	return lf.request(cmd, cmd.Flags().Args()[0])
}

// A request sent into a lab's microVM is the same request there: LinkArgs, read back by lvslab link, give
// it again, for setting, clearing and showing.
func TestLinkRequestsSurviveTheTripIntoAMicroVM(t *testing.T) {
	for _, req := range []labs.LinkRequest{
		{Host: "rs1", Set: true, Shape: topology.Shape{Delay: 50 * time.Millisecond, Jitter: 10 * time.Millisecond, Loss: 1.5, Duplicate: 0.1, Reorder: 25, Corrupt: 0.01, Rate: 10e6}},
		{Host: "director", Interface: "eth1", Set: true, Shape: topology.Shape{Rate: 512e3}},
		{Host: "rs2", Set: true},
		{Host: "rs2", Interface: "eth0"},
	} {
		args := labs.LinkArgs("lab1", req)
		if args[0] != "link" || args[1] != "--lab" || args[2] != "lab1" {
			t.Fatalf("LinkArgs: %q", args)
		}
		got, err := parseLink(t, args[3:]...)
		if err != nil || got != req {
			t.Errorf("%+v: sent as %q, read back as %+v, %v", req, args, got, err)
		}
	}
}

// What lvslab link refuses, before it looks for a lab, with the reason.
func TestLinkRefusesWhatCannotBe(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"rs1", "--jitter", "5ms"}, "give a delay too"},
		{[]string{"rs1", "--loss", "5"}, "expected a per cent"},
		{[]string{"rs1", "--clear", "--delay", "5ms"}, "--clear takes the shaping away"},
		{[]string{"rs1", "--loss", "0%"}, "use --clear"},
		{[]string{"rs1:", "--loss", "1%"}, "HOST:INTERFACE"},
		{[]string{":eth0"}, "HOST:INTERFACE"},
	} {
		if _, err := parseLink(t, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.args, err, c.want)
		}
	}
}

// A fault sent into a lab's microVM is the same fault there, and what lvslab fault cannot do is refused
// before any lab is asked.
func TestFaultRequests(t *testing.T) {
	for _, req := range []lab.Fault{{Host: "rs1", Action: "stop"}, {Host: "director", Interface: "eth1", Action: lab.LinkDown},
		{Host: "rs2", Action: lab.LinkFlap, Period: 500 * time.Millisecond, Times: 3}, {Host: "director", Action: "expire_nodest_conn=1"}} {
		args := labs.FaultArgs("lab1", req)
		got, err := parseFault(args[1:])
		if err != nil || !reflect.DeepEqual(got, req) || args[1] != "--lab" || args[2] != "lab1" {
			t.Errorf("%+v: sent as %q, read back as %+v, %v", req, args, got, err)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"rs1", "explode"}, "expected one of stop, start, hang, resume, link-down, link-up, link-flap, or NAME=VALUE"},
		{[]string{"rs1:eth0", "stop"}, "name the host alone"},
		{[]string{"rs1:", "link-down"}, "HOST:INTERFACE"},
		{[]string{"rs1", "link-flap", "--period", "1ms"}, "link-flap's period 1ms: expected 10ms to 1m0s"},
		{[]string{"rs1", "link-flap", "--period", "1s", "--times", "0"}, "link-flap's times 0: expected 1 to 100"},
		{[]string{"director", "ip_forward=1"}, "expected NAME=VALUE, NAME one of conn_reuse_mode"},
		{[]string{"director:eth0", "expire_nodest_conn=1"}, "not of an interface"},
		{[]string{"rs1", "stop", "--times", "2"}, "--period and --times are for link-flap, not stop"},
	} {
		if _, err := parseFault(c.args); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("fault %q: got %v, want %q", c.args, err, c.want)
		}
	}
}

// parseFault reads lvslab fault's arguments (after "fault") as the command does.
func parseFault(args []string) (lab.Fault, error) {
	cmd := newFaultCommand()
	if err := cmd.ParseFlags(args); err != nil {
		return lab.Fault{}, err
	}
	period, _ := cmd.Flags().GetDuration("period")
	times, _ := cmd.Flags().GetInt("times")
	rest := cmd.Flags().Args()
	if len(rest) != 2 {
		return lab.Fault{}, fmt.Errorf("%q: want HOST and ACTION", rest)
	}
	return faultFromCommand(cmd, rest, period, times)
}
