package vm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/vm/kernel"
	"github.com/lvslab/lvslab/vm/proto"
)

// A host whose qemu has no 9p shares (Windows) boots a guest that asks nothing of its folders, and refuses,
// saying why and what to do, a run that would: the host's own programs, a shared folder, a command given
// by its path on the host.
func TestWithoutHostFoldersRefusesWhatNeedsThem(t *testing.T) {
	scenario := filepath.Join(t.TempDir(), "my-scenario.yaml")
	os.WriteFile(scenario, []byte("name: mine\n"), 0o644)
	k := &kernel.Kernel{Version: "6.1.0-57-amd64", Modules: "/cache/kernel/k/lib/modules/6.1.0-57-amd64", Package: "linux-image-6.1.0-57-amd64"}
	for _, c := range []struct {
		opts Options
		want string
	}{
		{Options{Argv: []string{"sh"}}, "--userland host"},
		{Options{Argv: []string{"sh"}, userlandDisk: "/u.erofs", Share: "/home/u/labs"}, "sharing /home/u/labs"},
		{Options{Argv: []string{"/home/u/x.test"}, userlandDisk: "/u.erofs"}, "command /home/u/x.test, a file of the host"},
		{Options{Argv: []string{`.\x.test`}, userlandDisk: "/u.erofs"}, `command .\x.test, a file of the host`},
	} {
		_, err := withoutHostFolders(t.Context(), &c.opts, k, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "no 9p shares") {
			t.Errorf("%+v: got %v, want an error about %q that says why", c.opts, err, c.want)
		}
	}
	if got := HostFileArg([]string{"--name", "lab1", "-f", scenario}, "/"); got != scenario {
		t.Errorf("lvslab up's arguments: %q, want the topology file %s", got, scenario)
	}
	byHand := &kernel.Kernel{Version: "6.1.0", Modules: "/src/linux/mods"}
	if _, err := withoutHostFolders(t.Context(), &Options{Argv: []string{"sh"}, userlandDisk: "/u.erofs"}, byHand, nil); err == nil || !strings.Contains(err.Error(), "given by hand") {
		t.Errorf("a kernel given by hand: got %v, want it refused", err)
	}
}

// A guest that reaches no host folder gets the host files its command names carried in, each argument
// naming its copy; an output is not carried, and a file too big for the machine's memory is refused.
func TestCarryHostFiles(t *testing.T) {
	dir := t.TempDir()
	scenario, topo := filepath.Join(dir, "my-scenario.yaml"), filepath.Join(dir, "lab.yaml")
	os.WriteFile(scenario, []byte("name: mine\n"), 0o644)
	os.WriteFile(topo, []byte("hosts: {}\n"), 0o644)
	opts := &Options{Dir: dir, Outputs: []string{filepath.Join(dir, "report.json")}}
	os.WriteFile(opts.Outputs[0], nil, 0o644)
	j := &proto.Job{Argv: []string{"/usr/local/libexec/lvslab-vm/lvslab", "test", "my-scenario.yaml", "--topology=" + topo, "--json", opts.Outputs[0], "wrr"}}
	if err := carryHostFiles(j, opts, nil); err != nil {
		t.Fatal(err)
	}
	want := "/usr/local/libexec/lvslab-vm/lvslab test /lvslab-carried/0/my-scenario.yaml --topology=/lvslab-carried/1/lab.yaml --json " + opts.Outputs[0] + " wrr"
	if got := strings.Join(j.Argv, " "); got != want {
		t.Errorf("argv %s\nwant %s", got, want)
	}
	if len(j.Carried) != 2 || j.Carried[0] != (proto.Carried{Name: "/lvslab/carried/0/my-scenario.yaml", Host: scenario}) || j.Carried[1].Host != topo {
		t.Errorf("carried %+v", j.Carried)
	}
	big := filepath.Join(dir, "big.pcap")
	if err := os.WriteFile(big, make([]byte, maxCarriedFile+1), 0o644); err != nil {
		t.Fatal(err)
	}
	j = &proto.Job{Argv: []string{"tcpdump", "-r", big}}
	if err := carryHostFiles(j, opts, nil); err == nil || !strings.Contains(err.Error(), "more than the microVM takes in") {
		t.Errorf("a file too big: %v", err)
	}
}

// A guest that reaches no host folder writes the outputs in folders of its own, the command's arguments
// naming them there, and each comes back to its host path.
func TestOutputsInGuest(t *testing.T) {
	outputs := []string{`C:\Users\u\report.json`, `C:\Users\u\report.xml`}
	j := &proto.Job{Argv: []string{"/usr/local/libexec/lvslab-vm/lvslab", "test", "--json", outputs[0], "--junit=" + outputs[1], "wrr"}, Outputs: outputs}
	from := outputsInGuest(j)
	wantArgv := "/usr/local/libexec/lvslab-vm/lvslab test --json /lvslab-outputs/0/report.json --junit=/lvslab-outputs/1/report.xml wrr"
	if got := strings.Join(j.Argv, " "); got != wantArgv {
		t.Errorf("argv %s\nwant %s", got, wantArgv)
	}
	for i, g := range j.Outputs {
		if from[g] != outputs[i] || !strings.HasPrefix(g, "/lvslab-outputs/") {
			t.Errorf("output %d: in the guest %s, back to %s; want it back to %s", i, g, from[g], outputs[i])
		}
	}
	if outputs[0] != `C:\Users\u\report.json` {
		t.Errorf("the caller's outputs were changed: %v", outputs)
	}
}

// Without the host's folders, /init loads no 9p module, and the disks' modules instead.
func TestBootModulesWithoutNineP(t *testing.T) {
	if got := strings.Join(bootModules(true, true), " "); got != "virtio_mmio virtio_console overlay virtio_blk erofs" {
		t.Errorf("no host root: %s", got)
	}
	if got := strings.Join(bootModules(false, false), " "); got != strings.Join(proto.BootModules, " ") {
		t.Errorf("the host's root and programs over 9p: %s", got)
	}
}

// qemu gets the module tree as a second read-only disk, and no 9p device at all, where the host has none.
func TestQemuArgsWithoutNineP(t *testing.T) {
	args := strings.Join(qemuArgs(qemuConfig{name: "lvslab-x", arch: guestArches[0], cpus: 1, memory: 512, kernel: "k", initrd: "i",
		channel: "socket,id=channel,fd=4", console: "socket,id=console,fd=5", userland: "/u/root", userlandDisk: "/u/root.erofs",
		noHostRoot: true, modulesDisk: "/k/modules.erofs"}), " ")
	for _, want := range []string{"file=/u/root.erofs,if=none,id=userland,format=raw,readonly=on", "serial=" + proto.UserlandDiskSerial,
		"file=/k/modules.erofs,if=none,id=modules,format=raw,readonly=on", "serial=" + proto.ModulesDiskSerial} {
		if !strings.Contains(args, want) {
			t.Errorf("qemu's arguments lack %q:\n%s", want, args)
		}
	}
	if strings.Contains(args, "9p") || strings.Contains(args, "fsdev") {
		t.Errorf("qemu's arguments share a folder over 9p:\n%s", args)
	}
}
