package lab

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/lvslab/lvslab/internal/nsmount"
)

// Down takes the lab down from its state file: it stops every process inside the lab's namespaces (the
// HTTP servers, and anything started with Exec), deletes the namespaces (and with them every link and
// bridge), and removes the lab's files, the state file last. Objects already gone are skipped, so Down
// can be repeated, and a lab another Down took down meanwhile is simply down. A namespace with the lab's
// name that the lab cannot prove it made is left alone, and LeftAlone says so. Two Downs (or an Up and a
// Down) of one lab never run at once: the second waits for the first.
func (l *Lab) Down(ctx context.Context) error {
	lock, err := lockLab(ctx, l.dir, l.Name)
	if err != nil {
		return err
	}
	s, err := readState(l.dir, l.Name) // what is on disk now, not what this Lab saw when it was opened
	switch {
	case errors.Is(err, ErrNotFound):
		lock.Release(true)
		return nil
	case err != nil:
		lock.Release(false)
		return err
	}
	l.state = s
	err = l.downLocked(ctx)
	lock.Release(err == nil)
	return err
}

func (l *Lab) downLocked(ctx context.Context) error {
	s := l.state
	s.Phase = phaseDeleting
	if err := saveState(l.dir, s); err != nil {
		return err
	}
	var errs []error
	ours := map[string]uint64{}
	inodes := map[uint64]bool{}
	l.leftAlone = nil
	mt, err := nsmount.ReadTable()
	if err != nil {
		return fmt.Errorf("taking down lab %s: %w (the state file %s is kept; run down again)", l.Name, err, statePath(l.dir, l.Name))
	}
	for _, ns := range s.Namespaces {
		path := netnsPath(ns.Name)
		if _, err := os.Lstat(path); err != nil {
			if !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
			continue
		}
		// Every mount on the file counts, copies beneath another mount too: the one a path reaches may be
		// gone, unmounted by an earlier down that could not remove the file.
		ino, mounts, err := mt.NamespaceOn(path)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("namespace %s: %w; left alone", ns.Name, err))
			continue
		case mounts > 0 && ns.Inode != 0 && ino != ns.Inode:
			errs = append(errs, fmt.Errorf("namespace %s is not the one lab %s made (inode %d, recorded %d); left alone", ns.Name, l.Name, ino, ns.Inode))
			continue
		case (ns.Inode == 0 || mounts == 0) && !madeSince(path, s.Created):
			// Planned, but up was stopped before it could make it, and this one predates the plan.
			l.leftAlone = append(l.leftAlone, fmt.Sprintf("namespace %s was made before lab %s planned it (%s), so it is not the lab's", ns.Name, l.Name, s.Created.Format(time.RFC3339Nano)))
			continue
		}
		ours[ns.Name] = ino
		if ino != 0 {
			inodes[ino] = true
		}
	}
	if err := killAndWait(ctx, processesIn(inodes)); err != nil {
		errs = append(errs, err)
	}
	removed := make([]string, 0, len(ours))
	for name, ino := range ours {
		if err := removeNamespace(mt, name, ino); err != nil {
			errs = append(errs, err)
		} else {
			removed = append(removed, name)
		}
	}
	if err := checkRemoved(removed); err != nil {
		errs = append(errs, err)
	}
	// A state file half written when lvslab was killed: its temporary copy.
	stale, _ := filepath.Glob(filepath.Join(l.dir, "."+l.Name+".*.tmp"))
	for _, f := range stale {
		os.Remove(f)
	}
	for _, f := range ownFiles(l.dir, l.Name) { // never the list in the file: it is data, not orders
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("taking down lab %s: %w (the state file %s is kept; run down again after fixing this)", l.Name, errors.Join(errs...), statePath(l.dir, l.Name))
	}
	if err := os.Remove(statePath(l.dir, l.Name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
