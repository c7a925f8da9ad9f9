package kmod

import (
	"strings"
	"testing"
)

func TestLoadSaysWhatModprobeSaid(t *testing.T) {
	err := Load("lvslab_no_such_module")
	if err == nil || !strings.Contains(err.Error(), "modprobe lvslab_no_such_module failed") {
		t.Errorf("got %v, want modprobe's failure named", err)
	}
}
