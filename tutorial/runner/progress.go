package runner

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/tutorial"
)

// progress is what a learner has done of a course on this machine: it survives a closed terminal (a
// file beside the labs' state), and is read as untrusted data.
type progress struct {
	Course  string    `json:"course"`
	Lab     string    `json:"lab"`
	Folder  string    `json:"folder"` // where the tutorial runs: the saved rules go there
	Done    []string  `json:"done"`   // step IDs, in the order they were done
	Updated time.Time `json:"updated"`
	course  *tutorial.Course
}

// progressPath is where a course's progress in a lab is kept: COURSE.json for the course's own lab,
// COURSE.LAB.json for a lab named with --name (a lab's name has no dot).
func progressPath(c *tutorial.Course, labName string) string {
	file := c.Name + ".json"
	if labName != c.Lab {
		file = c.Name + "." + labName + ".json"
	}
	return filepath.Join(lab.StateDir(), "tutorial", file)
}

// loadProgress reads a course's progress in a lab; none yet is an empty one.
func loadProgress(c *tutorial.Course, labName string) (*progress, error) {
	p := &progress{Course: c.Name, Lab: labName, course: c}
	path := progressPath(c, labName)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 64<<10+1))
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	reset := "lvslab tutorial " + c.Name
	if labName != c.Lab {
		reset += " --name " + labName
	}
	if len(data) > 64<<10 || dec.Decode(p) != nil || p.Course != c.Name || p.Lab != labName {
		return nil, fmt.Errorf("the progress file %s is damaged; `%s --reset` starts over", path, reset)
	}
	for _, id := range p.Done {
		if c.Step(id) == nil {
			return nil, fmt.Errorf("the progress file %s names a step %q the course does not have; `%s --reset` starts over", path, id, reset)
		}
	}
	p.course = c
	return p, nil
}

func (p *progress) save() error {
	p.Updated = time.Now().UTC()
	path := progressPath(p.course, p.Lab)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func (p *progress) done(id string) bool { return slices.Contains(p.Done, id) }

// markDone records step id as done, and saves it.
func (p *progress) markDone(id string) error {
	p.Done = append(p.Done, id)
	return p.save()
}

func removeProgress(c *tutorial.Course, labName string) { os.Remove(progressPath(c, labName)) }
