//go:build linux

// Package hostload runs lvslab's load generator from inside a lab host: a process of its own in the
// host's network namespace, every thread of which dials from there.
package hostload

import (
	"context"
	"errors"
	"io"
	"os"
	"runtime"

	"github.com/lvslab/lvslab/internal/child"
	"github.com/lvslab/lvslab/internal/tty"
	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/loadgen"
)

// loadChild is the load generator as a process of its own inside the client's namespace: every one of its
// threads dials from there, which a goroutine-per-thread namespace switch cannot match for speed.
const loadChild = "lvslab-loadgen"

func init() { child.Register(loadChild, func() int { return child.IO(runLoad) }) }

type loadRequest struct {
	Options  loadgen.Options `json:"options"`
	Progress bool            `json:"progress"` // draw the progress bar on the child's stderr
}

func runLoad(ctx context.Context, req loadRequest) (*loadgen.Result, error) {
	o := req.Options
	runtime.GOMAXPROCS(loadgen.Cores(o)) // this process runs this load and nothing else
	if req.Progress {
		o.Progress = os.Stderr
	}
	if len(o.Pauses) > 0 {
		link, err := pauseLink()
		if err != nil {
			return nil, err
		}
		defer link.Close()
		o.Pause = childPauses(link)
	}
	var res *loadgen.Result
	var err error
	if o.Rate > 0 {
		res, err = loadgen.RunRate(ctx, o)
	} else {
		res, err = loadgen.Run(ctx, o)
	}
	if res != nil && err != nil && ctx.Err() != nil {
		res.Interrupted = true
	}
	return res, err
}

// Run runs the load generator inside host's namespace and returns what it measured. A progress bar is
// drawn on progress when it is a terminal; nil draws none. When ctx ends first, the load stops and RunLoad
// Run returns what was measured so far (Result.Interrupted) with an error wrapping child.ErrInterrupted.
func Run(ctx context.Context, l *lab.Lab, host string, o loadgen.Options, progress io.Writer) (*loadgen.Result, error) {
	req := loadRequest{Options: o, Progress: progress != nil && tty.IsTerminal(progress)}
	if !req.Progress {
		progress = io.Discard
	}
	var res loadgen.Result
	var err error
	if len(o.Pauses) > 0 {
		err = runPaused(ctx, l, host, req, &res, progress)
	} else {
		err = l.RunChild(ctx, host, loadChild, req, &res, progress)
	}
	switch {
	case errors.Is(err, child.ErrInterrupted):
		res.Interrupted = true
		return &res, err
	case err != nil:
		return nil, err
	}
	return &res, nil
}

// runPaused runs a load with pauses, calling the options' Pause at each; a Pause that fails ends the load
// with its error.
func runPaused(ctx context.Context, l *lab.Lab, host string, req loadRequest, res *loadgen.Result, progress io.Writer) error {
	if req.Options.Pause == nil {
		return errors.New("hostload: Pauses are given, but no Pause function to call at them")
	}
	pauses, err := servePauses(ctx, req.Options)
	if err != nil {
		return err
	}
	err = l.RunChild(ctx, host, loadChild, req, res, progress, pauses.theirs)
	if perr := pauses.finish(); perr != nil {
		return perr
	}
	return err
}
