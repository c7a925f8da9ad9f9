// Package scenarios ties a lab, load and expectations together. This file runs the load generator from
// inside a lab host.
package scenarios

import (
	"context"
	"io"
	"os"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/loadgen"
)

// loadChild is the load generator as a process of its own inside the client's namespace: every one of its
// threads dials from there, which a goroutine-per-thread namespace switch cannot match for speed.
const loadChild = "lvslab-loadgen"

func init() { lab.RegisterChild(loadChild, func() int { return lab.ChildIO(runLoad) }) }

type loadRequest struct {
	Options  loadgen.Options `json:"options"`
	Progress bool            `json:"progress"` // draw the progress bar on the child's stderr
}

func runLoad(req loadRequest) (*loadgen.Result, error) {
	o := req.Options
	if req.Progress {
		o.Progress = os.Stderr
	}
	if o.Rate > 0 {
		return loadgen.RunRate(context.Background(), o)
	}
	return loadgen.Run(context.Background(), o)
}

// RunLoad runs the load generator inside host's namespace and returns what it measured. A progress bar is
// drawn on progress when it is a terminal; nil draws none.
func RunLoad(ctx context.Context, l *lab.Lab, host string, o loadgen.Options, progress io.Writer) (*loadgen.Result, error) {
	req := loadRequest{Options: o, Progress: progress != nil && loadgen.IsTerminal(progress)}
	if progress == nil {
		progress = io.Discard
	}
	var res loadgen.Result
	if err := l.RunChild(ctx, host, loadChild, req, &res, progress); err != nil {
		return nil, err
	}
	return &res, nil
}
