package main

import (
	"runtime/debug"

	"github.com/lvslab/lvslab/report"
)

// Set at link time by make build (-ldflags -X main.version=…): git describe, the commit, and "true" when
// the work tree had changes not committed. Else Go's own stamps say, where the build recorded them.
var version, commit, modified string

// build says which lvslab this is: its version, and the commit it was built from, as Go records it when
// building in a git work tree.
func build() report.Build {
	b := report.Build{Version: version, Commit: commit, Modified: modified == "true"}
	info, ok := debug.ReadBuildInfo()
	if !ok || b.Commit != "" {
		return b
	}
	if b.Version == "" {
		b.Version = info.Main.Version
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}
