//go:build linux

package proc

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// OpenForWriting tells whether some process holds path open for writing: a shell's `> FILE` from the
// moment it creates the file until the command writing it has ended. A descriptor is the file's when its
// link names path, or ends with it (the file seen through a bind of its folder, as in a microVM's view of
// the host), or when it is the same file. Processes this one may not look into are not seen.
func OpenForWriting(path string) (bool, error) {
	path = filepath.Clean(path)
	target, _ := os.Stat(path)
	pids, err := PIDs()
	if err != nil {
		return false, err
	}
	for _, pid := range pids {
		dir := "/proc/" + strconv.Itoa(pid)
		fds, err := os.ReadDir(dir + "/fd")
		if err != nil {
			continue // gone, or not ours to see
		}
		for _, fd := range fds {
			link, err := os.Readlink(dir + "/fd/" + fd.Name())
			if err != nil || !names(link, path, target, dir+"/fd/"+fd.Name()) {
				continue
			}
			if writable(dir + "/fdinfo/" + fd.Name()) {
				return true, nil
			}
		}
	}
	return false, nil
}

// names tells whether a descriptor whose link is link is the file at path.
func names(link, path string, target os.FileInfo, fd string) bool {
	if link == path || (path[0] == '/' && strings.HasSuffix(link, path)) {
		return true
	}
	if target == nil || filepath.Base(link) != filepath.Base(path) {
		return false
	}
	fi, err := os.Stat(fd)
	return err == nil && os.SameFile(fi, target)
}

// writable reads a descriptor's flags from its fdinfo: opened write-only or read-write.
func writable(fdinfo string) bool {
	f, err := os.Open(fdinfo)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, 4096))
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "flags:")
		if !ok {
			continue
		}
		flags, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32)
		return err == nil && flags&uint64(os.O_WRONLY|os.O_RDWR) != 0
	}
	return false
}
