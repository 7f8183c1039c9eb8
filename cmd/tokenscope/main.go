// Command tokenscope shows where the money goes in LLM conversations: it
// counts every part of every call, prices it, and simulates cost-cutting
// strategies side by side. This file only wires commands to the packages.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tokenscope/tokenscope/report/rows"
)

// version is set by scripts/release.sh (-X main.version=…).
var version = "dev"

// exitError carries an exit code; its message is printed as one line.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

// badInput is err as bad input: exit 2.
func badInput(err error) error { return &exitError{code: 2, err: err} }

func main() {
	stop := startCPUProfile()
	code := run(os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the command line args and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		fmt.Fprintln(stderr, "tokenscope: "+oneLine(ee.Error()))
		return ee.code
	}
	// Flag and argument errors from cobra.
	fmt.Fprintln(stderr, "tokenscope: "+oneLine(err.Error()))
	return 2
}

// oneLine is s on one line, its whitespace runs made single spaces and its
// control characters dropped: an error may quote a log's text (a model id, a
// role), and that must not drive the terminal.
func oneLine(s string) string { return strings.Join(strings.Fields(rows.Clean(s)), " ") }

// newRoot is the tokenscope command with every subcommand wired in.
func newRoot(stdout io.Writer) *cobra.Command {
	var t tuiFlags
	root := &cobra.Command{
		Use:   "tokenscope",
		Short: "See where the money goes in LLM conversations",
		Long: "tokenscope replays a logged chat, counts every part of every call exactly, prices it,\n" +
			"and simulates cost-cutting strategies (windows, summaries, caps, caching, batch, other models)\n" +
			"side by side. With no command it profiles the embedded demo conversation.",
		Version:       buildVersion(version),
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return t.tui("", stdout)
		},
	}
	t.register(root)
	root.AddCommand(newReplay(stdout), newLive(stdout), newReport(stdout), newUsage(stdout), newTune(stdout), newCount(stdout), newPrices(stdout), newVersion(stdout), newProxy(), newStatusline(stdout), newWatch(stdout))
	return root
}
