package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lvslab/lvslab/graph"
	"github.com/lvslab/lvslab/topology"
)

// graphFormats maps each --format to its writer and the file extensions that choose it.
var graphFormats = map[string]struct {
	write func(*graph.Diagram, *bytes.Buffer) error
	exts  []string
}{
	"svg":     {func(d *graph.Diagram, b *bytes.Buffer) error { return d.WriteSVG(b) }, []string{".svg"}},
	"mermaid": {func(d *graph.Diagram, b *bytes.Buffer) error { return d.WriteMermaid(b) }, []string{".mmd", ".mermaid"}},
	"dot":     {func(d *graph.Diagram, b *bytes.Buffer) error { return d.WriteDot(b) }, []string{".dot", ".gv"}},
	"text":    {func(d *graph.Diagram, b *bytes.Buffer) error { return d.WriteText(b) }, []string{".txt"}},
}

func newGraphCommand() *cobra.Command {
	var file, format, out string
	cmd := &cobra.Command{
		Use:   "graph [-f FILE|NAME] [--format svg|mermaid|dot|text] [-o FILE]",
		Short: "Draw a topology: networks, hosts and addresses, the director's VIP and DIP, its rules",
		Long: `Draw a topology without building it: the client, the director with its VIP and DIP, the real
servers, every host's addresses, the networks (bridges) between them, and the director's rules as
arrows to the real servers marked with the forwarding method (NAT, DR, TUN) and weight.

Formats: text (the default, for a terminal), svg (a picture lvslab draws itself; open it in a browser),
mermaid and dot (to paste into documents, or to render with mermaid-cli or graphviz). With -o FILE the
format follows the file's extension (.svg, .mmd, .dot, .txt) unless --format says otherwise.

-f takes a topology file, or the name of a topology built into lvslab (` + strings.Join(topology.EmbeddedNames(), ", ") + `).
Without -f, lvslab draws the NAT walkthrough. Nothing here needs root.`,
		Example: `  lvslab graph                                  # the NAT walkthrough, as text
  lvslab graph -f dr -o dr.svg                  # direct routing, as a picture
  lvslab graph -f tun --format mermaid          # paste into a README
  lvslab graph -f my-lab.yaml --format dot | dot -Tpng > my-lab.png`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("format") && out != "" {
				format = formatForFile(out)
			}
			f, ok := graphFormats[format]
			if !ok {
				return unusable(fmt.Errorf("--format %q: want svg, mermaid, dot or text", format))
			}
			t, err := loadTopology(file)
			if err != nil {
				return unusable(err)
			}
			var b bytes.Buffer
			if err := f.write(graph.Of(t), &b); err != nil {
				return err
			}
			if out == "" || out == "-" {
				_, err := cmd.OutOrStdout().Write(b.Bytes())
				return err
			}
			if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
				return unusable(fmt.Errorf("writing the %s picture: %w", format, err))
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "lvslab: %s of %s written to %s\n", format, t.Name, out)
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "topology file, or the name of a built-in topology (default: the NAT walkthrough)")
	cmd.Flags().StringVar(&format, "format", "text", "svg, mermaid, dot or text")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to FILE rather than standard output; its extension picks the format")
	return cmd
}

// formatForFile is the format a file's extension names, text when it names none.
func formatForFile(path string) string {
	ext := strings.ToLower(filepath.Ext(path))
	for name, f := range graphFormats {
		for _, e := range f.exts {
			if e == ext {
				return name
			}
		}
	}
	return "text"
}
