package vm

import (
	"bytes"
	"strings"
	"sync"
)

// accelComplaints are what qemu prints when the accelerator cannot run the guest. After some of them
// (KVM internal error) qemu pauses the VM instead of exiting, so waiting for it to end would take the
// run's whole deadline.
var accelComplaints = []string{
	"kvm internal error",
	"emulation failure",
	"failed to initialize kvm",
	"could not access kvm kernel module",
	"kvm: entry failed",
}

// qemuLog keeps the first max bytes qemu writes, for error messages, and reports on complained the
// first line that names an accelerator failure.
type qemuLog struct {
	mu         sync.Mutex
	max        int
	buf        []byte
	partial    []byte
	complained chan string // receives one line, once
	sent       bool
}

func newQemuLog(max int) *qemuLog {
	return &qemuLog{max: max, complained: make(chan string, 1)}
}

func (l *qemuLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := l.max - len(l.buf); room > 0 {
		l.buf = append(l.buf, p[:min(room, len(p))]...)
	}
	if l.sent {
		return len(p), nil
	}
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.check(string(l.partial[:i]))
		l.partial = l.partial[i+1:]
	}
	if len(l.partial) > 4<<10 { // a line this long is no complaint of qemu's; look at what there is
		l.check(string(l.partial))
		l.partial = l.partial[:0]
	}
	return len(p), nil
}

func (l *qemuLog) check(line string) {
	if l.sent {
		return
	}
	lower := strings.ToLower(line)
	for _, c := range accelComplaints {
		if strings.Contains(lower, c) {
			l.sent = true
			l.complained <- strings.TrimSpace(line)
			return
		}
	}
}

func (l *qemuLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.buf)
}
