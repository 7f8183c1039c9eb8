package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// newVersion is `tokenscope version`.
func newVersion(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(stdout, "tokenscope "+buildVersion(version))
		},
	}
}

// buildVersion is the version set at link time, else the module version
// the go command recorded (go install …@v1.2.3), else "dev".
func buildVersion(linked string) string {
	bi, _ := debug.ReadBuildInfo()
	return versionOf(linked, bi)
}

// versionOf is buildVersion's rule on the build info bi (nil when none).
func versionOf(linked string, bi *debug.BuildInfo) string {
	if linked != "dev" && linked != "" {
		return linked
	}
	if bi != nil && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
