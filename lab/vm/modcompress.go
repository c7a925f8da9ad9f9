package vm

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// Debian's 6.1 kernel ships plain .ko modules; its 6.12 kernel ships .ko.xz. The host reads compressed
// modules through the xz program (zstd for .ko.zst; .ko.gz in Go): for the module index, and for the
// modules it puts into the initramfs. The guest's kernel unpacks them itself (Kernel.Unpacks).

// compressedSuffixes are the module file suffixes besides .ko, as kmod knows them.
var compressedSuffixes = []string{".ko.xz", ".ko.zst", ".ko.gz"}

// moduleSuffix is the module file suffix of name (.ko, .ko.xz, .ko.zst, .ko.gz), or "" for other files.
func moduleSuffix(name string) string {
	for _, s := range compressedSuffixes {
		if strings.HasSuffix(name, s) {
			return s
		}
	}
	if strings.HasSuffix(name, ".ko") {
		return ".ko"
	}
	return ""
}

func isCompressed(name string) bool {
	s := moduleSuffix(name)
	return s != "" && s != ".ko"
}

// moduleFileName is the module name that a module file's name gives: kernel/fs/9p/9p.ko.xz is 9p.
func moduleFileName(p string) string {
	return modName(strings.TrimSuffix(filepath.Base(p), moduleSuffix(p)))
}

// xzBatch is how many .ko.xz files one xz process decompresses: an exec costs about as much as unpacking
// a small module, and Debian's 6.12 tree has over 4000 of them.
const xzBatch = 128

// unpackModules calls each with the decompressed content of every compressed module in paths, on all
// CPUs (so each must be safe for concurrent use); i indexes paths.
func unpackModules(ctx context.Context, paths []string, each func(i int, data []byte) error) error {
	var tasks []func() error
	var xz []int
	for i, p := range paths {
		switch moduleSuffix(p) {
		case ".ko.xz":
			xz = append(xz, i)
		case ".ko.zst":
			tasks = append(tasks, func() error {
				data, err := decompressCommand(ctx, "zstd", p)
				if err == nil {
					err = each(i, data)
				}
				return err
			})
		case ".ko.gz":
			tasks = append(tasks, func() error {
				data, err := gunzipFile(p)
				if err == nil {
					err = each(i, data)
				}
				return err
			})
		default:
			return fmt.Errorf("module %s: expected a .ko.xz, .ko.zst or .ko.gz file to decompress", p)
		}
	}
	for len(xz) > 0 {
		batch := xz[:min(xzBatch, len(xz))]
		xz = xz[len(batch):]
		tasks = append(tasks, func() error {
			files := make([]string, len(batch))
			for j, i := range batch {
				files[j] = paths[i]
			}
			return unxz(ctx, files, func(j int, data []byte) error { return each(batch[j], data) })
		})
	}
	return parallel(len(tasks), func(i int) error { return tasks[i]() })
}

// parallel runs f(0) to f(n-1) on all CPUs and joins their errors.
func parallel(n int, f func(i int) error) error {
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for i := range next {
				errs[i] = f(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return errors.Join(errs...)
}

// unxz decompresses .xz files with one `xz --robot --list`, for each file's size, and one `xz -dc`,
// whose output is the files' contents one after the other.
func unxz(ctx context.Context, files []string, each func(j int, data []byte) error) error {
	list, err := helperOutput(ctx, "xz", append([]string{"--robot", "--list", "--"}, files...)...)
	if err != nil {
		return err
	}
	var sizes []int
	for _, line := range strings.Split(string(list), "\n") {
		// file <streams> <blocks> <compressed> <uncompressed> <ratio> <check> <padding>
		if f := strings.Split(line, "\t"); f[0] == "file" && len(f) > 4 {
			n, err := strconv.Atoi(f[4])
			if err != nil {
				return fmt.Errorf("xz --robot --list: expected an uncompressed size in column 5, found %q", line)
			}
			sizes = append(sizes, n)
		}
	}
	if len(sizes) != len(files) {
		return fmt.Errorf("xz --robot --list on %d files (%s, ...): expected a file line for each, found %d", len(files), files[0], len(sizes))
	}
	return streamOutput(ctx, "xz", append([]string{"-dc", "--"}, files...), func(r io.Reader) error {
		for j, n := range sizes {
			data := make([]byte, n)
			if _, err := io.ReadFull(r, data); err != nil {
				return fmt.Errorf("xz -dc %s: expected %d bytes as xz --list said: %w", files[j], n, err)
			}
			if err := each(j, data); err != nil {
				return err
			}
		}
		if n, _ := io.Copy(io.Discard, r); n != 0 {
			return fmt.Errorf("xz -dc on %d files (%s, ...): %d bytes more than xz --list said", len(files), files[0], n)
		}
		return nil
	})
}

// streamOutput runs a decompressor like helperOutput, but hands its standard output to read as it comes
// (a batch of modules unpacks to tens of megabytes). The program's failure comes first in the error.
func streamOutput(ctx context.Context, name string, args []string, read func(io.Reader) error) error {
	if _, err := exec.LookPath(name); err != nil {
		return missingHelper(name)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	defer pr.Close()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = pw, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	done, err := startSupervised(cmd)
	pw.Close()
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	defer stop()
	readErr := read(pr)
	if readErr != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	waitErr := <-done
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %w", commandLine(name, args), ctx.Err())
	case waitErr != nil && readErr == nil || waitErr != nil && stderr.Len() > 0:
		return fmt.Errorf("%s: %v: %s", commandLine(name, args), waitErr, strings.TrimSpace(stderr.String()))
	}
	return readErr
}

// decompressCommand runs `<program> -dc file` and returns what it wrote.
func decompressCommand(ctx context.Context, program, file string) ([]byte, error) {
	return helperOutput(ctx, program, "-dc", "--", file)
}

// helperOutput runs a decompressor and returns its standard output, or an error that says what to install.
func helperOutput(ctx context.Context, name string, args ...string) ([]byte, error) {
	if _, err := exec.LookPath(name); err != nil {
		return nil, missingHelper(name)
	}
	cmd := exec.Command(name, args...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := runSupervised(ctx, cmd); err != nil {
		return nil, fmt.Errorf("%s: %v: %s", commandLine(name, args), err, strings.TrimSpace(stderr.String()))
	}
	return out.Bytes(), nil
}

func missingHelper(program string) error {
	pkg := program
	if program == "xz" {
		pkg = "xz-utils"
	}
	return fmt.Errorf("%s not found: reading compressed kernel modules needs it; install it (apt-get install %s)", program, pkg)
}

// commandLine shows a command for an error, with at most the first few of its many file arguments.
func commandLine(name string, args []string) string {
	if len(args) > 5 {
		args = append(args[:5:5], fmt.Sprintf("... (%d more)", len(args)-5))
	}
	return name + " " + strings.Join(args, " ")
}

func gunzipFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("module %s: %w", path, err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("module %s: %w", path, err)
	}
	return data, nil
}
