package proc

import (
	"os"
	"testing"
)

func TestStatOfThisProcess(t *testing.T) {
	state, start, err := Stat(os.Getpid())
	if err != nil || start == 0 || state == 0 {
		t.Fatalf("got %q %d %v", state, start, err)
	}
	if !Running(os.Getpid(), start) || Running(os.Getpid(), start+1) {
		t.Error("Running does not tell this process from one that started at another time")
	}
	if _, _, err := Stat(-1); err == nil {
		t.Error("a pid that cannot be")
	}
}
