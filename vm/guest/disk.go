//go:build linux

package guest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/lvslab/lvslab/internal/wait"
)

// diskWait bounds the wait for a disk the host gave to show: virtio_blk adds it as it loads, which is
// before /init mounts anything, but a slow emulated machine may take a moment more.
const diskWait = 10 * time.Second

// diskBySerial is the device node (/dev/vdX) of the virtio disk whose serial the host set, once it shows.
func diskBySerial(serial string) (string, error) {
	var dev string
	var blocks []string
	err := wait.Until(context.Background(), diskWait, func() (bool, string) {
		blocks, _ = filepath.Glob("/sys/block/vd*")
		for _, b := range blocks {
			got, err := os.ReadFile(filepath.Join(b, "serial"))
			if err == nil && string(bytes.TrimSpace(got)) == serial {
				dev = "/dev/" + filepath.Base(b)
				_, err := os.Stat(dev)
				return err == nil, dev + " not there yet"
			}
		}
		return false, "no disk with serial " + serial + " yet"
	})
	if err != nil {
		return "", fmt.Errorf("no virtio disk with serial %q within %v (disks: %v): expected the disk the host gave the machine", serial, diskWait, blocks)
	}
	return dev, nil
}
