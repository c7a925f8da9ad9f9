package lab

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/lvslab/lvslab/internal/child"
	"github.com/lvslab/lvslab/internal/needs"

	"github.com/lvslab/lvslab/internal/wait"
	"github.com/lvslab/lvslab/topology"
)

// upChild brings the default lab up in a process of its own, so a test can kill -9 it part-way.
const upChild = "lab-test-up"

type upRequest struct{ Name, Dir string }

func init() {
	child.Register(upChild, func() int {
		return child.IO(func(ctx context.Context, r upRequest) (struct{}, error) {
			_, err := Up(ctx, topology.Default(), Options{Name: r.Name, StateDir: r.Dir, WithoutIPVS: noIPVS()})
			return struct{}{}, err
		})
	})
}

func TestDownAfterKill9DuringUpLeavesNothing(t *testing.T) {
	needs.Root(t)
	before := rootSnapshot(t)
	// Each case kills `up` as soon as it sees the lab reach a stage.
	stages := map[string]func(name, dir string) bool{
		"state file written": func(name, dir string) bool {
			_, err := os.Stat(statePath(dir, name))
			return err == nil
		},
		"first namespace made":   func(name, dir string) bool { return len(labNamespaces(name)) > 0 },
		"server process started": func(name, dir string) bool { return serverRunning(t) },
	}
	for stage, reached := range stages {
		t.Run(stage, func(t *testing.T) {
			name, dir := uniqueName(t), t.TempDir()
			cmd := exec.Command("/proc/self/exe")
			cmd.Args = []string{upChild}
			stdin, _ := cmd.StdinPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			json.NewEncoder(stdin).Encode(upRequest{name, dir})
			err := wait.Until(context.Background(), 10*time.Second, func() (bool, string) {
				return reached(name, dir), "waiting for: " + stage
			})
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			stdin.Close()
			if err != nil {
				t.Fatal(err)
			}
			l, err := OpenIn(dir, name)
			if err != nil {
				t.Fatalf("after kill -9 at %q: %v", stage, err)
			}
			if err := l.Down(context.Background()); err != nil {
				t.Fatal(err)
			}
			if left := labNamespaces(name); len(left) > 0 {
				t.Errorf("namespaces left: %v", left)
			}
			if stray := strayProcesses(t); len(stray) > 0 {
				t.Errorf("processes left running: %v", stray)
			}
			if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) > 0 {
				t.Errorf("files left: %v", files)
			}
		})
	}
	if after := rootSnapshot(t); after != before {
		t.Errorf("root namespace differs:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}
