package ipvsadm

import "fmt"

// SyntaxError is a rule line that ipvsadm (or the kernel, for names it does not know) would refuse.
type SyntaxError struct {
	Offset int    // byte offset of the offending token in the line
	Token  string // the offending token; empty when something is missing at the end of the line
	Msg    string // what was found and what is allowed
}

func (e *SyntaxError) Error() string { return e.Msg }

// RuleError is a SyntaxError on one line of a multi-line text.
type RuleError struct {
	Line int // 1-based line within the text
	*SyntaxError
}

// Error reads "line:column: message" (column 1-based, in bytes), ready to be prefixed with a file name.
func (e *RuleError) Error() string {
	return fmt.Sprintf("%d:%d: %s", e.Line, e.Offset+1, e.Msg)
}

func (e *RuleError) Unwrap() error { return e.SyntaxError }

// token is one word of a rule line and where it starts.
type token struct {
	text string
	off  int
}

func errAt(t token, format string, a ...any) *SyntaxError {
	return &SyntaxError{Offset: t.off, Token: t.text, Msg: fmt.Sprintf(format, a...)}
}
