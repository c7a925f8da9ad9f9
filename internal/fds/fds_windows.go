package fds

// CloseOnExecInherited has nothing to do on Windows: a child inherits only the handles its start names
// (Go lists exec.Cmd's own for it), never the rest of what this process holds.
func CloseOnExecInherited() error { return nil }
