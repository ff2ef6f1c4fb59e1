package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newVersionCmd) }

// versionLine is what `parley --version` and `parley version` print: the
// module version and the VCS revision the binary was built from.
func versionLine() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "parley (no build information)"
	}
	return formatVersion(bi)
}

func formatVersion(bi *debug.BuildInfo) string {
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, when string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	out := "parley " + v
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		out += ", revision " + rev
		if modified {
			out += " with local changes"
		}
		if when != "" {
			out += " of " + when
		}
	}
	return out + ", " + bi.GoVersion
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print parley's version and the revision it was built from",
		Args:  exactArgs(0, "version takes no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), versionLine())
			return nil
		},
	}
}
