package vmlab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Where the machine cannot read the host's files, up's topology file goes in on up's stdin; a built-in
// topology's name is passed on as it is.
func TestTopologyOnStdin(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "lab.yaml"), []byte("name: lab1\n"), 0o644)
	args, data, err := topologyOnStdin([]string{"--name=lab1", "--file=lab.yaml"}, dir)
	if err != nil || strings.Join(args, " ") != "--name=lab1 --file=/proc/self/fd/0" || string(data) != "name: lab1\n" {
		t.Errorf("a topology file: %v %q %v", args, data, err)
	}
	args, data, err = topologyOnStdin([]string{"--file=nat"}, dir)
	if err != nil || strings.Join(args, " ") != "--file=nat" || data != nil {
		t.Errorf("a built-in topology: %v %q %v", args, data, err)
	}
	os.WriteFile(filepath.Join(dir, "huge.yaml"), make([]byte, 2<<20), 0o644)
	if _, _, err := topologyOnStdin([]string{"--file=huge.yaml"}, dir); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("a topology too big: %v", err)
	}
}
