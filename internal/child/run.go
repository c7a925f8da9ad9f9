package child

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Run runs the registered child with in as its JSON input, started by start (where is where it runs, for
// errors), decodes its
// output into out, and passes its stderr (progress lines) to stderr. When ctx ends, the child is told to
// stop (SIGTERM) and given a moment to report what it did: out is filled all the same and the error wraps
// ErrInterrupted. The child's stdin stays open until it finishes; the child exits if it closes early, so
// it never outlives this process.
func Run(ctx context.Context, start func(*exec.Cmd) error, where, child string, in, out any, stderr io.Writer) error {
	if _, ok := children[child]; !ok {
		return fmt.Errorf("no child %q is registered (have %s)", child, childNames())
	}
	input, err := json.Marshal(in)
	if err != nil {
		return err
	}
	var stdout bytes.Buffer
	cmd := exec.CommandContext(ctx, "/proc/self/exe")
	cmd.Args = []string{child}
	cmd.Stdout = io.Writer(&limitedWriter{w: &stdout, n: maxChildOutput})
	cmd.Stderr = stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second // then SIGKILL
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	if err := start(cmd); err != nil {
		return err
	}
	_, werr := stdin.Write(input)
	waitErr := cmd.Wait()
	stdin.Close()
	var e struct {
		Output      json.RawMessage `json:"output"`
		Error       string          `json:"error"`
		Interrupted bool            `json:"interrupted"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &e); err != nil {
		if waitErr != nil {
			return fmt.Errorf("%s on %s: %w", child, where, waitErr)
		}
		return fmt.Errorf("%s on %s: unreadable output: %w", child, where, errors.Join(err, werr))
	}
	if len(e.Output) > 0 && string(e.Output) != "null" {
		if err := json.Unmarshal(e.Output, out); err != nil {
			return fmt.Errorf("%s on %s: unreadable output: %w", child, where, err)
		}
	}
	switch {
	case e.Interrupted || (e.Error != "" && ctx.Err() != nil):
		return fmt.Errorf("%s on %s: %w", child, where, ErrInterrupted)
	case e.Error != "":
		return errors.New(e.Error)
	}
	return nil
}

// maxChildOutput bounds what a child may send back: a load's result with a million connections recorded,
// each with its server, client and local port, or with its failure (about 92 MiB when all failed).
const maxChildOutput = 160 << 20

// limitedWriter keeps the first n bytes and fails after, so that a runaway child cannot fill memory.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if len(p) > l.n {
		return 0, fmt.Errorf("a child sent more than %d bytes", maxChildOutput)
	}
	l.n -= len(p)
	return l.w.Write(p)
}

// exitWhenParentGoes ends the child when its stdin reaches end of file: the parent closed it or died.
func exitWhenParentGoes(r io.Reader) {
	io.Copy(io.Discard, r)
	fmt.Fprintf(os.Stderr, "%s: parent went away; stopping\n", os.Args[0])
	syscall.Exit(3)
}
