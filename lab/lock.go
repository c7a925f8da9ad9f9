package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/lvslab/lvslab/internal/lockfile"
)

// labLockWait bounds the wait for another lvslab bringing the same lab up or down.
const labLockWait = 2 * time.Minute

func lockPath(dir, name string) string { return filepath.Join(dir, "."+name+".lock") }

// lockLab takes the lab's lock, so that two commands never work on one lab at once, waiting for another
// holder at most labLockWait.
func lockLab(ctx context.Context, dir, name string) (*lockfile.Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating state directory: %w", err)
	}
	l, err := lockfile.Wait(ctx, lockPath(dir, name), labLockWait, "another lvslab is bringing lab "+name+" up or down")
	if err != nil {
		return nil, fmt.Errorf("lab %s: %w; wait for the other lvslab to finish, or stop it", name, err)
	}
	return l, nil
}
