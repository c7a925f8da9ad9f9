package labs

import (
	"bytes"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/vmlab"
)

// A command forwarded from a Windows folder runs in the machine's /, which is all it could reach, and one
// that may write is told that its files stay in the machine; a Linux folder the machine does not share is
// kept, with the same warning.
func TestGuestDirOfAFolderTheMachineCannotSee(t *testing.T) {
	r := &vmlab.Record{Lab: "lab1", Share: "/home/u/labs"}
	var notices bytes.Buffer
	if got := guestDirOf(&notices, r, `C:\Users\u\labs`, true); got != "/" {
		t.Errorf("from C:\\Users\\u\\labs: runs in %q, want /", got)
	}
	if !strings.Contains(notices.String(), `cannot see C:\Users\u\labs`) || !strings.Contains(notices.String(), "stays in the machine") {
		t.Errorf("the notice: %q", notices.String())
	}
	notices.Reset()
	if got := guestDirOf(&notices, r, `C:\Users\u\labs`, false); got != "/" || notices.Len() != 0 {
		t.Errorf("lvslab status from C:\\Users\\u\\labs: runs in %q with notice %q, want / and none", got, notices.String())
	}
	if got := guestDirOf(&notices, r, "/home/u/labs", true); got != "/home/u/labs" || notices.Len() != 0 {
		t.Errorf("from the shared folder: runs in %q with notice %q, want it, and none", got, notices.String())
	}
	if got := guestDirOf(&notices, r, "/srv/other", true); got != "/srv/other" || !strings.Contains(notices.String(), "not shared") {
		t.Errorf("from a folder not shared: runs in %q with notice %q", got, notices.String())
	}
}
