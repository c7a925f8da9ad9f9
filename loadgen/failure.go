package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
)

// failureClass says why a request did not complete.
type failureClass int

const (
	noFailure failureClass = iota
	refused
	reset
	resetAfterResponse
	noResponse
	shortResponse
	timedOut
	unreachable
	badStatus
	badResponse
	otherFailure
	numClasses
)

// errnoClasses serves both loops: Run matches the errno, RunRate (whose errors
// vegeta hands over as text) matches the errno's message.
var errnoClasses = []struct {
	errno syscall.Errno
	class failureClass
}{
	{syscall.ECONNREFUSED, refused},
	{syscall.ECONNRESET, reset},
	{syscall.EPIPE, reset},
	{syscall.EHOSTUNREACH, unreachable},
	{syscall.ENETUNREACH, unreachable},
}

func statusClass(status int) failureClass {
	if status >= 200 && status < 400 {
		return noFailure
	}
	return badStatus
}

func classify(err error) failureClass {
	var bad *badResponseError
	var netErr net.Error
	var after *resetAfterResponseError
	switch {
	case errors.As(err, &after):
		return resetAfterResponse
	case errors.As(err, &bad):
		return badResponse
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout():
		return timedOut
	}
	for _, e := range errnoClasses {
		if errors.Is(err, e.errno) {
			return e.class
		}
	}
	var none *noResponseError
	switch {
	case errors.As(err, &none) && errors.Is(err, io.EOF):
		return noResponse
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return shortResponse
	}
	return otherFailure
}

// classifyMessage classifies the text of an error from net/http.
func classifyMessage(msg string) failureClass {
	for _, e := range errnoClasses {
		if strings.Contains(msg, e.errno.Error()) {
			return e.class
		}
	}
	lower := strings.ToLower(msg)
	switch {
	case strings.Contains(lower, "timeout"), strings.Contains(lower, "deadline exceeded"):
		return timedOut
	case strings.Contains(msg, "malformed HTTP"):
		return badResponse
	case strings.Contains(msg, "unexpected EOF"):
		return shortResponse
	case strings.Contains(msg, "EOF"): // net/http's word for a connection closed before any response
		return noResponse
	}
	return otherFailure
}

// badResponseError is a response that does not parse as HTTP/1.x.
type badResponseError struct{ reason string }

func (e *badResponseError) Error() string { return "bad response: " + e.reason }

func badResponsef(format string, args ...any) error {
	return &badResponseError{reason: fmt.Sprintf(format, args...)}
}

// noResponseError is a connection that ended before the first byte of a response:
// on a reused keep-alive connection it means the server closed it while idle.
// ab counts these (a new connection closed before any response) as "Length" failures.
type noResponseError struct{ err error }

func (e *noResponseError) Error() string { return "no response: " + e.err.Error() }
func (e *noResponseError) Unwrap() error { return e.err }

// FailureNames are the causes Result.Failed names, in Failures' order.
var FailureNames = classNames[refused:]

// classNames are the failure classes as Result.Failed names them: Failures' JSON names.
var classNames = [numClasses]string{
	refused: "refused", reset: "reset", resetAfterResponse: "reset_after_response", noResponse: "no_response",
	shortResponse: "short_response", timedOut: "timeout", unreachable: "unreachable", badStatus: "bad_status",
	badResponse: "bad_response", otherFailure: "other",
}
