package lab

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lvslab/lvslab/internal/child"
	"github.com/lvslab/lvslab/internal/nsmount"
	"github.com/lvslab/lvslab/internal/proc"

	"github.com/lvslab/lvslab/internal/needs"

	"github.com/lvslab/lvslab/ipvsnl"

	"github.com/vishvananda/netlink"

	"github.com/lvslab/lvslab/topology"
)

func TestMain(m *testing.M) {
	child.RunIfRequested()
	os.Exit(m.Run())
}

// uniqueName gives each test its own lab name, so tests and a user's labs never collide.
func uniqueName(t testing.TB) string {
	b := make([]byte, 3)
	rand.Read(b)
	return labPrefix + hex.EncodeToString(b)
}

// upDefault brings up the NAT walkthrough under a fresh name in a private state directory and takes it
// down when the test ends.
func upDefault(t testing.TB) *Lab {
	t.Helper()
	return upTopology(t, topology.Default())
}

func upTopology(t testing.TB, topo *topology.Topology) *Lab {
	t.Helper()
	return upTopologyWith(t, topo, Options{WithoutIPVS: noIPVS()})
}

// upTopologyWith brings topo up with o under a fresh name and state directory, and takes it down when the
// test ends.
func upTopologyWith(t testing.TB, topo *topology.Topology, o Options) *Lab {
	t.Helper()
	needs.Root(t)
	ctx := context.Background()
	o.Name, o.StateDir = uniqueName(t), t.TempDir()
	l, err := Up(ctx, topo, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Down(ctx); err != nil {
			t.Error(err)
		}
	})
	return l
}

// get performs GET url from inside host, on a connection dialled from that host's namespace, within 2 s.
func get(l *Lab, host, url string) (*http.Response, string, error) {
	return getWithin(l, host, url, 2*time.Second)
}

// getWithin is get, within timeout.
func getWithin(l *Lab, host, url string, timeout time.Duration) (*http.Response, string, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, "", err
	}
	req.Close = true
	path, err := l.Namespace(host)
	if err != nil {
		return nil, "", err
	}
	var resp *http.Response
	var body []byte
	err = inNamespace(path, func() error {
		// A single literal address is dialled on this goroutine, hence from this namespace.
		conn, err := net.DialTimeout("tcp", req.URL.Host+":80", timeout)
		if err != nil {
			return err
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(timeout))
		if err := req.Write(conn); err != nil {
			return err
		}
		resp, err = http.ReadResponse(bufio.NewReader(conn), req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, err = io.ReadAll(resp.Body)
		return err
	})
	return resp, string(body), err
}

// rootSnapshot describes what a user would notice changing in the root namespace: links, addresses,
// routes and named namespaces.
func rootSnapshot(t testing.TB) string {
	t.Helper()
	var lines []string
	links, err := netlink.LinkList()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range links {
		a := l.Attrs()
		lines = append(lines, fmt.Sprintf("link %d %s %s %v", a.Index, a.Name, a.HardwareAddr, a.Flags))
	}
	addrs, err := netlink.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		lines = append(lines, fmt.Sprintf("addr %d %s", a.LinkIndex, a.IPNet))
	}
	routes, err := netlink.RouteList(nil, netlink.FAMILY_ALL)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range routes {
		lines = append(lines, "route "+r.String())
	}
	entries, _ := os.ReadDir(NetnsDir)
	for _, e := range entries {
		if !otherPackagesLab(e.Name()) {
			lines = append(lines, "netns "+e.Name())
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// labPrefix starts the name of every lab these tests make. go test runs other packages' tests at the
// same time, and their labs (labtest's "lt-", cmd/lvslab's "ct-", scenarios' "st-") come and go: only
// namespaces with this prefix are these tests' to count.
const labPrefix = "lb-"

func otherPackagesLab(netns string) bool {
	return !strings.HasPrefix(netns, labPrefix)
}

// strayProcesses lists processes running this test binary other than this process: lab children that
// outlived their lab.
func strayProcesses(t testing.TB) []string {
	self, err := os.Readlink("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range entries {
		if e.Name() == fmt.Sprint(os.Getpid()) {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err == nil && exe == self {
			if state, _, err := proc.Stat(atoi(e.Name())); err == nil && state != 'Z' {
				out = append(out, e.Name())
			}
		}
	}
	return out
}

// serverRunning reports a lab server process of this test binary: its argv[0] is the server child's name.
// (Counting this binary's processes would also count a fork on its way to exec modprobe.)
func serverRunning(t testing.TB) bool {
	for _, pid := range strayProcesses(t) {
		cmdline, err := os.ReadFile(filepath.Join("/proc", pid, "cmdline"))
		if err == nil && strings.HasPrefix(string(cmdline), serverChild+"\x00") {
			return true
		}
	}
	return false
}

func atoi(s string) int {
	n := 0
	fmt.Sscan(s, &n)
	return n
}

// labNamespaces lists the named namespaces belonging to lab name.
func labNamespaces(name string) []string {
	entries, _ := os.ReadDir(NetnsDir)
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), name+"-") {
			out = append(out, e.Name())
		}
	}
	return out
}

// noIPVS reports a kernel without IPVS: the lab tests that are not about IPVS build their labs without
// it there (the IPVS tests run in the microVM).
func noIPVS() bool { return ipvsnl.Check() != nil }

// bindFrom binds a socket to addr inside host: the address is the host's.
func bindFrom(l *Lab, host string, addr netip.Addr) error {
	path, err := l.Namespace(host)
	if err != nil {
		return err
	}
	return inNamespace(path, func() error {
		ln, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(netip.AddrPortFrom(addr, 0)))
		if err == nil {
			ln.Close()
		}
		return err
	})
}

// deleteNamespace removes one namespace as Down does, and checks that nothing of it is left.
func deleteNamespace(name string, want uint64) error {
	mt, err := nsmount.ReadTable()
	if err == nil {
		err = removeNamespace(mt, name, want)
	}
	if err != nil {
		return err
	}
	return checkRemoved([]string{name})
}
