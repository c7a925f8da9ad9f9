package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lvslab/lvslab/debian"
	"github.com/lvslab/lvslab/internal/dirsize"
	"github.com/lvslab/lvslab/vm/kernel"
	"github.com/lvslab/lvslab/vm/userland"
)

func newCacheCommand() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "cache [list | check | prune]",
		Short: "List, check or prune what lvslab fetched from Debian's archive (kernels, packages)",
		Long: `What lvslab keeps in its cache (~/.cache/lvslab, $XDG_CACHE_HOME/lvslab or $LVSLAB_CACHE, or --cache; on macOS ~/Library/Caches/lvslab):
the kernels it fetched from Debian's archive, unpacked (kernel/<package>_<version>, each package asked
for linked to the kernel it stood for: kernel/linux-image-amd64 -> …), the .debs they came from
(debian/debs/<package>_<version>_<arch>.<sha256>.deb, the digest their signed index gave) and the
verified Packages indexes (debian/indexes/<sha256>.Packages.xz), and the guest's userlands, each a tree of
Debian's packages (userland/<suite>-<arch>-<digest>, linked from the name of the list it was built for).

list (the default) shows each with its size. check reads every kernel and .deb again and exits 1 if a
kernel cannot boot or a .deb no longer has the digest it was fetched with. prune removes what no package
link needs: kernels no link names (a newer kernel replaced them, or a cache from before the links), the
.debs but those kernels', the indexes (fetched again and verified when next needed), userlands built for
another list of packages, and what fetches that died left.`,
		Example: `  lvslab cache
  lvslab cache check
  lvslab cache prune
  LVSLAB_CACHE=/srv/lvslab lvslab cache list`,
		Args:      cobra.MaximumNArgs(1),
		ValidArgs: []string{"list", "check", "prune"},
		RunE: func(cmd *cobra.Command, args []string) error {
			action := "list"
			if len(args) == 1 {
				action = args[0]
			}
			out := cmd.OutOrStdout()
			if dir == "" {
				var err error
				if dir, err = kernel.CacheDir(); err != nil {
					return unusable(err)
				}
			}
			switch action {
			case "prune":
				return pruneCache(cmd, dir)
			case "list", "check":
			default:
				return unusable(errors.New("lvslab cache " + action + ": expected list, check or prune"))
			}
			inv, err := kernel.ReadInventory(dir)
			if err != nil {
				return unusable(err)
			}
			if action == "list" {
				images, err := userland.Images(dir)
				if err != nil {
					return unusable(err)
				}
				writeInventory(out, inv, images)
				return nil
			}
			problems := inv.Check()
			for _, p := range problems {
				fmt.Fprintln(out, "problem:", p)
			}
			if len(problems) > 0 {
				return failed(fmt.Errorf("the cache holds %d problems: lvslab cache prune, then fetch again (lvslab vm --prepare)", len(problems)))
			}
			fmt.Fprintf(out, "%d kernels and %d packages read again: all as fetched\n", len(inv.Kernels), len(inv.Debs))
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "cache", "", "the cache folder (default $LVSLAB_CACHE, else $XDG_CACHE_HOME/lvslab, else ~/.cache/lvslab; on macOS ~/Library/Caches/lvslab)")
	return cmd
}

// pruneCache removes what no package link needs, kernels and userlands, and says what it removed.
func pruneCache(cmd *cobra.Command, dir string) error {
	removed, err := kernel.Prune(cmd.Context(), dir)
	if err != nil {
		return unusable(err)
	}
	images, err := userland.Prune(cmd.Context(), dir)
	if err != nil {
		return unusable(err)
	}
	for _, p := range append(removed, images...) {
		fmt.Fprintln(cmd.OutOrStdout(), "removed", p)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%d removed\n", len(removed)+len(images))
	return nil
}

func writeInventory(w io.Writer, inv *kernel.Inventory, images []userland.CachedImage) {
	fmt.Fprintln(w, "kernels:")
	for _, k := range inv.Kernels {
		state := "boots from its vmlinux"
		switch {
		case k.Err != nil:
			state = "cannot boot: " + k.Err.Error()
		case !k.Vmlinux:
			state = "no vmlinux: unpacks itself at each boot"
		}
		names := "no link: prune removes it"
		if len(k.Links) > 0 {
			names = "for " + strings.Join(k.Links, ", ")
		}
		fmt.Fprintf(w, "  %s %s  %s  %s; %s\n", k.Package, k.Version, megabytes(dirsize.Bytes(k.Dir)), names, state)
	}
	for _, d := range inv.Dangling {
		fmt.Fprintf(w, "  %s: a link to no kernel: prune removes it\n", d)
	}
	fmt.Fprintln(w, "packages from Debian's archive:")
	for _, d := range inv.Debs {
		if d.SHA256 == "" {
			fmt.Fprintf(w, "  %s  %s  not named as lvslab names its files\n", d.Path, megabytes(d.Size))
			continue
		}
		fmt.Fprintf(w, "  %s %s %s  %s  sha256 %s…\n", d.Name, debian.VersionOfFile(d.Version), d.Architecture, megabytes(d.Size), d.SHA256[:16])
	}
	fmt.Fprintln(w, "the guest's userlands (Debian's packages):")
	for _, img := range images {
		state := "current for " + strings.Join(img.Links, ", ")
		if len(img.Links) == 0 {
			state = "replaced: prune removes it"
		}
		fmt.Fprintf(w, "  %s  %d packages  %s  %s\n", img.Dir, img.Packages, megabytes(img.Bytes), state)
	}
	fmt.Fprintf(w, "indexes and leftovers: %d files\n", len(inv.Indexes))
}

func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
