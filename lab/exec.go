//go:build linux

package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"

	"github.com/lvslab/lvslab/internal/child"
	"github.com/lvslab/lvslab/internal/fds"
)

// Namespace returns the path of a host's namespace once it has checked that the namespace there is the one
// the lab made; or an error naming the lab's hosts, or saying what became of the namespace.
func (l *Lab) Namespace(host string) (string, error) {
	for _, ns := range l.state.Namespaces {
		if ns.Host == host {
			return l.checkNamespace(ns)
		}
	}
	var hosts []string
	for _, h := range l.Topology.Hosts {
		hosts = append(hosts, h.Name)
	}
	return "", fmt.Errorf("lab %s has no host %q; its hosts are %s", l.Name, host, strings.Join(hosts, ", "))
}

// Start starts cmd inside the host's namespace (the process is forked from a thread in it), with only the
// descriptors cmd names.
func (l *Lab) Start(cmd *exec.Cmd, host string) error {
	path, err := l.Namespace(host)
	if err != nil {
		return err
	}
	fds.CloseOnExecInherited()
	return inNamespace(path, cmd.Start)
}

// Run runs cmd inside the host's namespace and waits for it.
func (l *Lab) Run(cmd *exec.Cmd, host string) error {
	if err := l.Start(cmd, host); err != nil {
		return err
	}
	return cmd.Wait()
}

// Exec replaces this process with argv run inside the host's namespace, as `ip netns exec` does, with
// the environment env: the command's exit status and signals are its own. It returns only on error.
func (l *Lab) Exec(host string, argv, env []string) error {
	path, err := l.Namespace(host)
	if err != nil {
		return err
	}
	bin, err := exec.LookPath(argv[0])
	if err != nil {
		return err
	}
	return inNamespace(path, func() error {
		// execve from this thread keeps its namespace: the new program starts with only this thread.
		return fmt.Errorf("running %s: %w", bin, syscall.Exec(bin, argv, env))
	})
}

// RunChild runs the registered child inside the host's namespace (see child.Run), with files as its
// descriptors 3 and on.
func (l *Lab) RunChild(ctx context.Context, host, name string, in, out any, stderr io.Writer, files ...*os.File) error {
	return child.Run(ctx, func(cmd *exec.Cmd) error {
		cmd.ExtraFiles = files
		return l.Start(cmd, host)
	}, host, name, in, out, stderr)
}

func (l *Lab) checkNamespace(ns Namespace) (string, error) {
	path := netnsPath(ns.Name)
	ino, err := inode(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "", fmt.Errorf("host %s's namespace %s is gone, so lab %s is broken: `lvslab status %s` shows what is missing; rebuild it with `lvslab down %s` and `lvslab up`", ns.Host, ns.Name, l.Name, l.Name, l.Name)
	case err != nil:
		return "", err
	case ns.Inode == 0:
		return "", fmt.Errorf("lab %s never finished coming up (host %s's namespace was not recorded); take it down with `lvslab down %s`", l.Name, ns.Host, l.Name)
	case ino != ns.Inode:
		return "", fmt.Errorf("namespace %s is not the one lab %s made for host %s (inode %d, recorded %d): lvslab acts on nothing in it; `lvslab down %s` and `lvslab up` rebuild the lab", ns.Name, l.Name, ns.Host, ino, ns.Inode, l.Name)
	}
	return path, nil
}

// Sysctl reads a /proc/sys setting ("net.ipv4.ip_forward") of a host's namespace.
func (l *Lab) Sysctl(host, key string) (string, error) {
	path, err := l.Namespace(host)
	if err != nil {
		return "", err
	}
	var value string
	err = inNamespace(path, func() error {
		data, err := os.ReadFile("/proc/sys/" + strings.ReplaceAll(key, ".", "/"))
		value = strings.TrimSpace(string(data))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("host %s: reading sysctl %s: %w", host, key, err)
	}
	return value, nil
}
