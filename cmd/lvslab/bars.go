package main

import (
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lvslab/lvslab/bars"
	"github.com/lvslab/lvslab/internal/tty"
)

func addBarsFlag(cmd *cobra.Command) {
	cmd.Flags().String("bars", "auto", "draw the split as bars: unicode, ascii, none, or auto (unicode or ascii on a terminal, as its locale allows; none when the output is piped)")
}

// resolveBars reads --bars: an explicit style, or for auto what the output can show. It sets the flag to
// the style chosen, which an lvslab this command runs in a microVM gets with its command line: its output
// is no terminal there, but ends up on this one.
func resolveBars(cmd *cobra.Command) (bars.Style, error) {
	v, _ := cmd.Flags().GetString("bars")
	var style bars.Style
	if v == "auto" {
		style = autoBars(cmd)
	} else {
		s, err := bars.ParseStyle(v)
		if err != nil {
			return bars.None, unusable(err)
		}
		style = s
	}
	if err := cmd.Flags().Set("bars", style.String()); err != nil {
		return style, err
	}
	return style, nil
}

// autoBars is none when the output is not a terminal, Unicode blocks where the locale is UTF-8 and the
// terminal not dumb, plain ASCII otherwise.
func autoBars(cmd *cobra.Command) bars.Style {
	if !tty.IsTerminal(cmd.OutOrStdout()) {
		return bars.None
	}
	if os.Getenv("TERM") == "dumb" {
		return bars.ASCII
	}
	locale := os.Getenv("LC_ALL")
	if locale == "" {
		locale = os.Getenv("LC_CTYPE")
	}
	if locale == "" {
		locale = os.Getenv("LANG")
	}
	if l := strings.ToLower(locale); strings.Contains(l, "utf-8") || strings.Contains(l, "utf8") {
		return bars.Unicode
	}
	return bars.ASCII
}
