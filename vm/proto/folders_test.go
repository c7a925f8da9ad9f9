package proto

import (
	"strings"
	"testing"
)

// The host folders a command's arguments name, and which of all the folders are shown.
func TestArgFoldersAndTopmost(t *testing.T) {
	onHost := map[string]bool{"/srv/labs": true, "/srv/labs/nat.yaml": false, "/home/u/work/x.yaml": false, "/home/u/out": true}
	stat := func(p string) (bool, bool) { d, ok := onHost[p]; return d, ok }
	got := ArgFolders([]string{"-f", "/srv/labs/nat.yaml", "--json=../out", "rr", "../work/x.yaml", "/nowhere/x"}, "/home/u/work", stat)
	if strings.Join(got, " ") != "/srv/labs /home/u/out /home/u/work" {
		t.Errorf("ArgFolders = %v", got)
	}
	shown := Topmost([]string{"/home/u/work/sub", "/home/u/work", "/", "/proc/1", "/home/u/share/x", "/srv/labs", "/home/u/work"}, "/home/u/share")
	if strings.Join(shown, " ") != "/srv/labs /home/u/work" {
		t.Errorf("Topmost = %v, want parents once, nothing of /, /proc or the share", shown)
	}
}
