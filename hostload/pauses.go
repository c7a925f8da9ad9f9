//go:build linux

package hostload

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/lvslab/lvslab/loadgen"
)

// A load with pauses (loadgen.Options.Pauses) runs in the child, and what happens at each pause in its
// caller: the two talk over a socket pair, the child's end its descriptor 3. At each pause the child
// writes "paused N" (N connections ended) and waits for "go", or "stop" when its caller failed there.
const (
	pausedWord = "paused"
	goWord     = "go"
	stopWord   = "stop"
	maxLine    = 64
)

// pauseLink is the child's end of the pair, its descriptor 3, once it is known to be a socket.
func pauseLink() (*os.File, error) {
	var st syscall.Stat_t
	if err := syscall.Fstat(3, &st); err != nil || st.Mode&syscall.S_IFMT != syscall.S_IFSOCK {
		return nil, errors.New("a load with pauses, but descriptor 3 is not the socket to its caller")
	}
	return os.NewFile(3, "pauses"), nil
}

// childPauses is the child's side: its Pause, told to go on by the caller.
func childPauses(link *os.File) func(context.Context, int) error {
	r := bufio.NewReaderSize(link, maxLine)
	return func(ctx context.Context, ended int) error {
		if _, err := fmt.Fprintf(link, "%s %d\n", pausedWord, ended); err != nil {
			return fmt.Errorf("telling the caller of the pause: %w", err)
		}
		switch line, err := readLine(r); {
		case err != nil:
			return fmt.Errorf("awaiting the caller at the pause: %w", err)
		case line == goWord:
			return nil
		case line == stopWord:
			return errors.New("stopped by its caller")
		default:
			return fmt.Errorf("the caller answered %q at the pause; expected %q or %q", line, goWord, stopWord)
		}
	}
}

// pauseServer is the caller's side: it calls pause at each of the child's pauses, which must come in the
// order the load's options give them.
type pauseServer struct {
	ours, theirs *os.File
	done         chan struct{}
	err          error // pause's, or the child's breach of the protocol
}

func servePauses(ctx context.Context, o loadgen.Options) (*pauseServer, error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("a socket pair for the load's pauses: %w", err)
	}
	s := &pauseServer{ours: os.NewFile(uintptr(fds[0]), "pauses"), theirs: os.NewFile(uintptr(fds[1]), "pauses"), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		if s.err = s.serve(ctx, o); s.err != nil {
			// The child may wait for an answer: shut the pair, and it reads the end of it.
			syscall.Shutdown(int(s.ours.Fd()), syscall.SHUT_RDWR)
		}
	}()
	return s, nil
}

// testHookExpected, when set, changes the pause the caller expects next: tests make the two sides
// disagree with it.
var testHookExpected func(want int) int

func (s *pauseServer) serve(ctx context.Context, o loadgen.Options) error {
	r := bufio.NewReaderSize(s.ours, maxLine)
	for _, want := range o.Pauses {
		if testHookExpected != nil {
			want = testHookExpected(want)
		}
		line, err := readLine(r)
		if errors.Is(err, io.EOF) {
			return nil // the load ended before this pause: its own error says why
		}
		if err != nil {
			return err
		}
		if got, ok := strings.CutPrefix(line, pausedWord+" "); !ok || got != strconv.Itoa(want) {
			return fmt.Errorf("the load generator said %q; expected %q", line, fmt.Sprintf("%s %d", pausedWord, want))
		}
		if err := o.Pause(ctx, want); err != nil {
			fmt.Fprintln(s.ours, stopWord)
			return fmt.Errorf("after %d connections: %w", want, err)
		}
		if _, err := fmt.Fprintln(s.ours, goWord); err != nil {
			return err
		}
	}
	return nil
}

// finish closes the caller's end once the child is gone and returns what went wrong at a pause.
func (s *pauseServer) finish() error {
	s.theirs.Close()
	s.ours.Close()
	<-s.done
	return s.err
}

// readLine reads one line of at most maxLine bytes, without its newline.
func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		return "", fmt.Errorf("a line longer than %d bytes", maxLine)
	case err != nil:
		return "", err
	}
	return strings.TrimSuffix(string(line), "\n"), nil
}
