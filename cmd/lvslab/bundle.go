package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lvslab/lvslab/bundle"
	"github.com/lvslab/lvslab/debian"
	"github.com/lvslab/lvslab/vm"
	"github.com/lvslab/lvslab/vm/kernel"
)

func newBundleCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bundle create FILE | import FILE",
		Short: "An offline bundle for a workshop: the microVM's kernels and programs, and lvslab, in one file",
		Long: `A workshop shares one slow network: thirty laptops each fetching a kernel and the guest's programs at
9:00 is how a workshop morning dies. lvslab bundle create writes one file, on a machine with the network:
each architecture's kernel packages and the packages of the guest's programs as Debian's archive signed
them (each suite's InRelease, the Packages indexes it lists, the .debs), and lvslab built for Linux on
each architecture. lvslab bundle import reads it on a laptop with no network: every file is checked
against the bundle's manifest, then the cache is filled through the checks a fetch makes, with the
bundle as the mirror (Debian's signatures, the indexes' and the packages' digests); the indexes are read
as of the day the bundle was made. After it, lvslab demo, test, tutorial and up touch no network.`,
		Example: `  lvslab bundle create workshop.lvslab                       # this machine's architecture
  lvslab bundle create workshop.lvslab --arch amd64,arm64    # Intel and Apple Silicon laptops
  lvslab bundle import /media/usb/workshop.lvslab && lvslab demo`,
	}
	cmd.AddCommand(newBundleCreateCommand(), newBundleImportCommand())
	return cmd
}

func newBundleCreateCommand() *cobra.Command {
	var arches, kernels []string
	var suite, mirror, goos string
	cmd := &cobra.Command{
		Use:   "create FILE [--arch amd64,arm64] [--kernel-package PKG]... [--suite S] [--mirror URL]",
		Short: "Write an offline bundle to FILE",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if goos != "linux" {
				return unusable(fmt.Errorf("--os %s: lvslab builds for linux only so far; its macOS and Windows builds are yet to come", goos))
			}
			machines, err := bundleMachines(arches, kernels)
			if err != nil {
				return unusable(err)
			}
			bins, err := guestBinaries(machines)
			if err != nil {
				return unusable(err)
			}
			cache, err := kernel.CacheDir()
			if err != nil {
				return unusable(err)
			}
			man, err := bundle.Create(cmd.Context(), args[0], bundle.CreateOptions{Suite: suite, Mirror: mirror, Machines: machines,
				Binaries: bins, Cache: cache, Notices: cmd.ErrOrStderr()})
			if err != nil {
				return unusable(err)
			}
			var size int64
			for _, f := range man.Files {
				size += f.Size
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d files, %.0f MB: Debian %s %s, and lvslab for %s\n", args[0], len(man.Files), float64(size)/1e6,
				man.Suite, describeMachines(man.Machines), strings.Join(binaryPlatforms(man.Machines), ", "))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&arches, "arch", []string{runtime.GOARCH}, "the guest architectures the laptops boot: amd64, arm64, or both")
	f.StringArrayVar(&kernels, "kernel-package", nil, "a Debian kernel package to carry (repeat; default linux-image-<arch> for each --arch)")
	f.StringVar(&suite, "suite", "", "the Debian release: bookworm or trixie (default $"+debian.SuiteEnv+", else bookworm)")
	f.StringVar(&mirror, "mirror", "", "the Debian mirror to fetch from (default $"+debian.MirrorEnv+", else apt's Debian archive)")
	f.StringVar(&goos, "os", "linux", "the OSes whose lvslab the bundle carries: linux")
	return cmd
}

func newBundleImportCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "import FILE",
		Short: "Fill the cache from an offline bundle, with no network",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cache, err := kernel.CacheDir()
			if err != nil {
				return unusable(err)
			}
			got, err := bundle.Import(cmd.Context(), args[0], bundle.ImportOptions{Cache: cache, Notices: cmd.ErrOrStderr()})
			if err != nil {
				return unusable(err)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "imported %s (made %s): Debian %s %s, into %s\n", args[0], got.Manifest.Created.Format("2006-01-02 15:04 UTC"),
				got.Manifest.Suite, describeMachines(got.Manifest.Machines), cache)
			if got.Binaries != "" {
				fmt.Fprintf(w, "lvslab's binaries from the bundle: %s (lvslab-linux-<arch> goes beside lvslab, for a guest of that architecture)\n", got.Binaries)
			}
			return nil
		},
	}
}

// bundleMachines pairs each --arch with its kernel packages: those named that end in -<arch>, else
// Debian's default for it.
func bundleMachines(arches, kernels []string) ([]bundle.Machine, error) {
	var out []bundle.Machine
	for _, a := range arches {
		if _, err := vm.GuestArch(a, ""); err != nil || a == "" {
			return nil, fmt.Errorf("--arch %q: expected amd64 or arm64", a)
		}
		if slices.ContainsFunc(out, func(m bundle.Machine) bool { return m.Arch == a }) {
			return nil, fmt.Errorf("--arch %s given twice", a)
		}
		m := bundle.Machine{Arch: a}
		for _, k := range kernels {
			if strings.HasSuffix(k, "-"+a) {
				m.Kernels = append(m.Kernels, k)
			}
		}
		if len(m.Kernels) == 0 {
			m.Kernels = []string{kernel.DefaultPackageFor(a)}
		}
		out = append(out, m)
	}
	for _, k := range kernels {
		if !slices.ContainsFunc(out, func(m bundle.Machine) bool { return slices.Contains(m.Kernels, k) }) {
			return nil, fmt.Errorf("--kernel-package %s: expected a kernel of an architecture --arch names (%s), ending in -<arch>", k, strings.Join(arches, ", "))
		}
	}
	return out, nil
}

// guestBinaries are lvslab for Linux on each machine's architecture: this one, or its build beside it.
func guestBinaries(machines []bundle.Machine) (map[string]string, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	if self, err = filepath.EvalSymlinks(self); err != nil {
		return nil, err
	}
	bins := map[string]string{}
	for _, m := range machines {
		name := vm.GuestBinaryName(m.Arch)
		file := filepath.Join(filepath.Dir(self), name)
		if runtime.GOOS == "linux" && m.Arch == runtime.GOARCH {
			file = self
		}
		if _, err := os.Stat(file); err != nil {
			return nil, fmt.Errorf("lvslab for linux/%s, which the bundle carries, expected at %s: %w; build it with make build", m.Arch, file, err)
		}
		if err := vm.CheckGuestBinary(file, m.Arch); err != nil {
			return nil, err
		}
		bins[name] = file
	}
	return bins, nil
}

// binaryPlatforms are the platforms of the lvslab binaries the bundle carries, one a machine, sorted:
// linux/amd64, ...
func binaryPlatforms(ms []bundle.Machine) []string {
	var out []string
	for _, m := range ms {
		out = append(out, "linux/"+m.Arch)
	}
	slices.Sort(out)
	return out
}

func describeMachines(ms []bundle.Machine) string {
	var parts []string
	for _, m := range ms {
		parts = append(parts, m.Arch+" ("+strings.Join(m.Kernels, ", ")+")")
	}
	return strings.Join(parts, ", ")
}
