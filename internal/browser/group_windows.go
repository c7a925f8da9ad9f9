package browser

import "os/exec"

// inGroup leaves cmd as it is: on Windows its context's end kills Chromium itself, whose helpers exit
// with it.
func inGroup(*exec.Cmd) {}

// killGroup has nothing left to kill on Windows.
func killGroup(*exec.Cmd) {}
