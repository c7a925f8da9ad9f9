package vm

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"

	"github.com/lvslab/lvslab/vm/guest/bootload"
	"github.com/lvslab/lvslab/vm/kernel"
	"github.com/lvslab/lvslab/vm/proto"
)

// buildInitramfs writes the guest's initramfs, uncompressed (the kernel unpacks it faster than it could
// inflate it), into an anonymous file (anonFile) that qemu inherits: nothing is left on disk.
// mods are the modules it carries, read from the host's module tree, unpacked if compressed, and without
// their signatures if unsigned (for a kernel that loads unsigned modules: kernel.StripSignature).
func buildInitramfs(ctx context.Context, exe string, j *proto.Job, ix *kernel.ModIndex, tree string, mods []kernel.LoadStep, unsigned bool) (*os.File, error) {
	f, err := anonFile("lvslab-initramfs")
	if err != nil {
		return nil, fmt.Errorf("initramfs: %w", err)
	}
	if err := writeInitramfs(ctx, f, exe, j, ix, tree, mods, unsigned); err != nil {
		closeAnon(f)
		return nil, err
	}
	return f, nil
}

func writeInitramfs(ctx context.Context, f *os.File, exe string, j *proto.Job, ix *kernel.ModIndex, tree string, mods []kernel.LoadStep, unsigned bool) error {
	var packed []string
	for _, s := range mods {
		if kernel.IsCompressed(s.Path) {
			packed = append(packed, filepath.Join(tree, s.Path))
		}
	}
	unpacked := make([][]byte, len(packed))
	err := kernel.UnpackModules(ctx, packed, func(i int, data []byte) error {
		unpacked[i] = data
		return nil
	})
	if err != nil {
		return fmt.Errorf("initramfs: %w", err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	c := &cpioWriter{w: bw}
	for _, d := range []string{"dev", "proc", "sys", "sbin", "lvslab", "lvslab/ko", proto.HostMount[1:], proto.RWMount[1:], proto.NewRoot[1:]} {
		c.Dir(d, 0o755)
	}
	c.CharDev("dev/console", 0o600, 5, 1) // the kernel opens it as /init's stdin, stdout and stderr
	if err := addFile(c, "init", exe); err != nil {
		return err
	}
	for _, s := range mods {
		name := proto.BootModuleDir[1:] + "/" + s.Name + ".ko"
		var data []byte
		if kernel.IsCompressed(s.Path) {
			data, unpacked = unpacked[0], unpacked[1:]
		} else if data, err = readModule(filepath.Join(tree, s.Path)); err != nil {
			return err
		}
		if unsigned {
			data = kernel.StripSignature(data)
		}
		c.File(name, 0o644, int64(len(data)), bytes.NewReader(data))
	}
	if len(j.Carried) > 0 {
		c.Dir(proto.CarriedDir[1:], 0o755)
	}
	for _, cf := range j.Carried {
		c.Dir(path.Dir(cf.Name)[1:], 0o755) // CarriedDir/N
		if err := addFile(c, cf.Name[1:], cf.Host); err != nil {
			return err
		}
	}
	data := bootload.Format(j.Boot)
	c.File(bootload.PlanPath[1:], 0o644, int64(len(data)), bytes.NewReader(data))
	for name, v := range map[string]any{proto.JobPath: j, proto.IndexPath: ix} {
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		c.File(name[1:], 0o644, int64(len(data)), bytes.NewReader(data))
	}
	if err := c.Close(); err != nil {
		return fmt.Errorf("initramfs: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("initramfs: %w", err)
	}
	return nil
}

// maxModuleSize bounds a module read whole from the kernel's tree; Debian's largest is under 10 MB.
const maxModuleSize = 64 << 20

func readModule(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("initramfs: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxModuleSize+1))
	if err != nil {
		return nil, fmt.Errorf("initramfs: %w", err)
	}
	if len(data) > maxModuleSize {
		return nil, fmt.Errorf("initramfs: module %s: expected at most %d MB, found more: is the module tree a kernel's?", path, maxModuleSize>>20)
	}
	return data, nil
}

func addFile(c *cpioWriter, name, src string) error {
	f, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("initramfs: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	c.File(name, uint32(st.Mode().Perm()), st.Size(), f)
	return nil
}
