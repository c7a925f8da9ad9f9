package runner

import (
	"time"

	"github.com/lvslab/lvslab/tutorial"
)

// StepStatus is a step of a course, and whether it is done.
type StepStatus struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Done  bool   `json:"done"`
}

// CourseStatus is how far a course is done in a lab on this machine.
type CourseStatus struct {
	Course  string       `json:"course"`
	Lab     string       `json:"lab"`
	Done    int          `json:"done"`
	Steps   int          `json:"steps"`
	Updated *time.Time   `json:"updated,omitempty"`
	List    []StepStatus `json:"list"`
}

// Status is how far sc's course is done in sc's lab, as data and as sc's text.
func Status(sc tutorial.Screen) (CourseStatus, string, error) {
	c := sc.Course
	p, err := loadProgress(c, sc.Lab)
	if err != nil {
		return CourseStatus{}, "", err
	}
	cs := CourseStatus{Course: c.Name, Lab: sc.Lab, Steps: len(c.Steps)}
	if !p.Updated.IsZero() {
		cs.Updated = &p.Updated
	}
	for _, s := range c.Steps {
		cs.List = append(cs.List, StepStatus{ID: s.ID, Title: s.Title.In(sc.Lang), Done: p.done(s.ID)})
		if p.done(s.ID) {
			cs.Done++
		}
	}
	return cs, sc.Status(p.done), nil
}
