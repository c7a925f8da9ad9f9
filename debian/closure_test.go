package debian

import (
	"strings"
	"testing"
)

func testIndex(t *testing.T, packages string) *Index {
	t.Helper()
	ix := &Index{}
	if err := ix.AddPackages(strings.NewReader(packages), "http://mirror/debian", "dists/bookworm/main/binary-amd64/Packages.xz"); err != nil {
		t.Fatal(err)
	}
	return ix
}

func entry(name, version, extra string) string {
	return "Package: " + name + "\nVersion: " + version + "\nArchitecture: amd64\n" + extra +
		"Filename: pool/" + name + ".deb\nSize: 1\nSHA256: " + strings.Repeat("a", 64) + "\n\n"
}

// Depends and Pre-Depends are followed, through virtual packages and alternatives, the one already
// chosen preferred; Recommends are not.
func TestClosureFollowsDependencies(t *testing.T) {
	ix := testIndex(t, entry("tcpdump", "4.99", "Depends: libpcap0.8 (>= 1.9), adduser\nRecommends: apparmor\n")+
		entry("libpcap0.8", "1.10", "Pre-Depends: libc6\n")+
		entry("libc6", "2.36", "")+
		entry("adduser", "3.134", "Depends: passwd, debconf | debconf-2.0\n")+
		entry("passwd", "4.13", "")+
		entry("cdebconf", "0.270", "Provides: debconf-2.0\n")+
		entry("apparmor", "3.0", "")+
		entry("init-system-helpers", "1.65", "Depends: usrmerge | usr-is-merged\n")+
		entry("usrmerge", "37", "Depends: perl\n")+
		entry("usr-is-merged", "37", ""))
	got, err := ix.Closure([]string{"tcpdump", "usr-is-merged", "init-system-helpers"}, "amd64")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range got {
		names = append(names, p.Name)
	}
	want := "adduser cdebconf init-system-helpers libc6 libpcap0.8 passwd tcpdump usr-is-merged"
	if strings.Join(names, " ") != want {
		t.Errorf("closure %v\nwant %s", names, want)
	}
	if _, err := ix.Closure([]string{"usrmerge"}, "amd64"); err == nil || !strings.Contains(err.Error(), "usrmerge 37 depends on perl, which no Packages index") {
		t.Errorf("a dependency nothing meets: %v", err)
	}
}
