//go:build linux

package guest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// diskWait bounds the wait for a disk the host gave to show: virtio_blk adds it as it loads, which is
// before /init mounts anything, but a slow emulated machine may take a moment more.
const diskWait = 10 * time.Second

// diskBySerial is the device node (/dev/vdX) of the virtio disk whose serial the host set, once it shows.
func diskBySerial(serial string) (string, error) {
	deadline := time.Now().Add(diskWait)
	for {
		blocks, _ := filepath.Glob("/sys/block/vd*")
		for _, b := range blocks {
			got, err := os.ReadFile(filepath.Join(b, "serial"))
			if err == nil && string(bytes.TrimSpace(got)) == serial {
				dev := "/dev/" + filepath.Base(b)
				if _, err := os.Stat(dev); err == nil {
					return dev, nil
				}
			}
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("no virtio disk with serial %q within %v (disks: %v): expected the disk the host gave the machine", serial, diskWait, blocks)
		}
		time.Sleep(5 * time.Millisecond) // polling the kernel's view of its disks, bounded by the deadline
	}
}
