package lab

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lvslab/lvslab/internal/wait"
)

// When the real servers' process dies, status quotes the end of its log: the log may be where the reader
// cannot look (status forwarded from a microVM).
func TestProblemsQuoteTheServersLog(t *testing.T) {
	l := upDefault(t)
	f, err := os.OpenFile(logPath(l.dir, l.Name), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("first line\nrealserver: listen tcp 172.16.0.45:80: address already in use\n")
	f.Close()
	syscall.Kill(l.state.Server.PID, syscall.SIGKILL)
	err = wait.Until(t.Context(), 10*time.Second, func() (bool, string) {
		return !l.state.Server.running(), "the servers' process still runs"
	})
	if err != nil {
		t.Fatal(err)
	}
	problems := strings.Join(l.Problems(), "\n")
	if !strings.Contains(problems, "is not running; its log ends: ") || !strings.Contains(problems, "address already in use") ||
		strings.Contains(problems, l.dir) {
		t.Errorf("problems: %s", problems)
	}
}

func TestLogTailIsBounded(t *testing.T) {
	dir := t.TempDir()
	if got := logTail(filepath.Join(dir, "absent")); got != "it left no log" {
		t.Errorf("no log: %q", got)
	}
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	if got := logTail(empty); got != "its log is empty" {
		t.Errorf("an empty log: %q", got)
	}
	big := filepath.Join(dir, "big")
	os.WriteFile(big, []byte(strings.Repeat("old line\n", 100000)+"a\nb\nc\nd\ne\nf\n"), 0o600)
	if got := logTail(big); got != "its log ends: b | c | d | e | f" {
		t.Errorf("a long log: %q", got)
	}
}
