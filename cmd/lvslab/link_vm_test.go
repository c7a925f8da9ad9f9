package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/vmlab"
)

// shapedTopology is a NAT lab whose rs2 answers through a link that a topology file shapes.
const shapedTopology = `name: shaped
networks:
  bridged: {subnet: 192.168.0.0/24}
  hostonly: {subnet: 172.16.0.0/16}
hosts:
  client: {interfaces: [{network: bridged, address: 192.168.0.100}]}
  director:
    interfaces:
      - {network: bridged, address: 192.168.0.75}
      - {network: hostonly, address: 172.16.0.10}
    sysctls: {net.ipv4.ip_forward: 1}
  rs1: {interfaces: [{network: hostonly, address: 172.16.0.45}], gateway: 172.16.0.10, http: {body: RS1}}
  rs2:
    interfaces: [{network: hostonly, address: 172.16.0.55, shape: {delay: 20ms, duplicate: 1%}}]
    gateway: 172.16.0.10
    http: {body: RS2}
ipvs:
  on: director
  rules: |
    -A -t 192.168.0.75:80 -s rr
    -a -t 192.168.0.75:80 -r 172.16.0.45:80 -m
    -a -t 192.168.0.75:80 -r 172.16.0.55:80 -m
`

// Links shaped in a lab's microVM, from the topology file and by hand: netem's settings come back from the
// kernel as they were given, lvslab status shows them, a delay slows the answers by at least itself, and
// --clear takes it away.
func TestVMLabLinkShaping(t *testing.T) {
	needMicroVM(t)
	c := newCLI(t)
	file := filepath.Join(t.TempDir(), "shaped.yaml")
	if err := os.WriteFile(file, []byte(shapedTopology), 0o644); err != nil {
		t.Fatal(err)
	}
	name := labName()
	t.Cleanup(func() { c.run("down", name) })
	c.expect(0, "up", "--vm=always", "--name", name, "-f", file)
	r, err := vmlab.Open(c.stateDir, name)
	if err != nil {
		t.Fatal(err)
	}
	if out := c.expect(0, "link", "--lab", name, "rs2"); !strings.Contains(out, "rs2 eth0: delay 20ms duplicate 1%") {
		t.Errorf("rs2's link as the topology shaped it: %q", out)
	}
	out := c.expect(0, "link", "--lab", name, "rs1", "--delay", "150ms", "--jitter", "1ms", "--loss", "0.5%", "--corrupt", "0.01%", "--rate", "10mbit")
	const rs1Shaped = "delay 150ms 1ms loss 0.5% corrupt 0.01% rate 10mbit"
	if !strings.Contains(out, "rs1 eth0: "+rs1Shaped) {
		t.Errorf("link rs1: %q, want the shaping read back: %s", out, rs1Shaped)
	}
	status := c.expect(0, "status", name)
	if !regexp.MustCompile(`(?m)^rs1 .*`+regexp.QuoteMeta(rs1Shaped)+`$`).MatchString(status) ||
		!regexp.MustCompile(`(?m)^rs2 .*delay 20ms duplicate 1%$`).MatchString(status) ||
		!regexp.MustCompile(`(?m)^client .* -$`).MatchString(status) {
		t.Errorf("status does not show each link's shaping:\n%s", status)
	}
	// rs1's SYN-ACK and its answer each wait 150 ms (± 1 ms) on its link (nothing reordered, which would
	// send some at once): no fetch from it can be sooner.
	took := func(url string) float64 {
		out := c.expect(0, "exec", "--lab", name, "director", "--", "curl", "-s", "-o", "/dev/null", "-w", "%{time_total}", url)
		s, err := strconv.ParseFloat(strings.TrimSpace(out), 64)
		if err != nil {
			t.Fatalf("curl's time: %q", out)
		}
		return s
	}
	if s := took("http://172.16.0.45/"); s < 0.298 {
		t.Errorf("a fetch from rs1, its link delayed by 150 ms each way out, took %.3f s", s)
	}
	if out := c.expect(0, "link", "--lab", name, "rs1", "--delay", "10ms", "--reorder", "25%"); !strings.Contains(out, "rs1 eth0: delay 10ms reorder 25%") {
		t.Errorf("link rs1 with reordering: %q (the rest of the shaping replaced)", out)
	}
	if out := c.expect(exitUnusable, "link", "--lab", name, "director", "--delay", "1ms"); !strings.Contains(out, "name one, as director:eth0") {
		t.Errorf("link director (two interfaces): %q", out)
	}
	if out := c.expect(0, "link", "--lab", name, "director:eth1", "--rate", "512kbit"); !strings.Contains(out, "director eth1: rate 512kbit") {
		t.Errorf("link director:eth1: %q", out)
	}
	if out := c.expect(0, "link", "--lab", name, "rs1", "--clear"); !strings.Contains(out, "rs1 eth0: none") {
		t.Errorf("link rs1 --clear: %q", out)
	}
	if s := took("http://172.16.0.45/"); s >= 0.298 {
		t.Logf("a fetch from rs1 after --clear still took %.3f s (emulation is slow; only the shaping's absence is asserted)", s)
	}
	if status := c.expect(0, "status", name); !regexp.MustCompile(`(?m)^rs1 .* -$`).MatchString(status) {
		t.Errorf("status after --clear:\n%s", status)
	}
	c.expect(0, "down", name)
	requireNothingLeft(t, c, r)
}

// A real server stopped, started, hung and resumed, and its link taken down and up, in a lab's microVM:
// status shows the server's state, and the director's view of it follows.
func TestVMLabFaults(t *testing.T) {
	c := newCLI(t)
	name, r := upLabInVM(t, c)
	fetch := func(timeout string) (string, int) {
		return c.run("exec", "--lab", name, "director", "--", "curl", "-s", "-m", timeout, "http://172.16.0.45/")
	}
	if out := c.expect(0, "fault", "--lab", name, "rs1", "stop"); !strings.Contains(out, "rs1's server: stopped") {
		t.Errorf("fault rs1 stop: %q", out)
	}
	if _, code := fetch("5"); code != 7 { // curl: failed to connect
		t.Errorf("rs1 stopped: curl exited %d, want 7 (connection refused)", code)
	}
	if status := c.expect(0, "status", name); !regexp.MustCompile(`(?m)^rs1 .*"RS1.magedu.com".*STOPPED`).MatchString(status) {
		t.Errorf("status does not say rs1's server is stopped:\n%s", status)
	}
	c.expect(0, "fault", "--lab", name, "rs1", "start")
	if out, code := fetch("5"); code != 0 || !strings.Contains(out, "RS1.magedu.com") {
		t.Errorf("rs1 started again: %q, exit %d", out, code)
	}
	c.expect(0, "fault", "--lab", name, "rs1", "hang")
	if _, code := fetch("1"); code != 28 { // curl: timed out
		t.Errorf("rs1 hung: curl exited %d, want 28 (timed out)", code)
	}
	c.expect(0, "fault", "--lab", name, "rs1", "resume")
	if out := c.expect(0, "fault", "--lab", name, "rs1", "link-down"); !strings.Contains(out, "rs1 eth0: down") {
		t.Errorf("fault rs1 link-down: %q", out)
	}
	if _, code := fetch("1"); code == 0 {
		t.Errorf("rs1's link down: the director still reached it")
	}
	c.expect(0, "fault", "--lab", name, "rs1", "link-up")
	if out, code := fetch("5"); code != 0 || !strings.Contains(out, "RS1.magedu.com") {
		t.Errorf("rs1's link up again: %q, exit %d", out, code)
	}
	if out := c.expect(exitUnusable, "fault", "--lab", name, "rs1", "resume"); !strings.Contains(out, "not hung") {
		t.Errorf("fault rs1 resume while serving: %q", out)
	}
	c.expect(0, "down", name)
	requireNothingLeft(t, c, r)
}
