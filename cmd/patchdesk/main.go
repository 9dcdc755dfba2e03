// Command patchdesk is the PatchDesk host: the desktop console by default, `patchdesk serve`
// headless, and a command for every operation of the console. This package holds wiring and
// flags only; the work is done in model, jobs, agentsvc and ui.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// version is set at build time (-ldflags "-X main.version=…"); FyneApp.toml holds the release.
var version = ""

func main() {
	if err := newRoot().Execute(); err != nil {
		var exit *exitError
		if errors.As(err, &exit) {
			os.Exit(exit.code)
		}
		fmt.Fprintln(os.Stderr, "patchdesk: "+err.Error())
		os.Exit(1)
	}
}

// exitError ends the process with a code after the command printed its own report.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// globals are the flags every command accepts.
type globals struct {
	data   string
	format string
}

func newRoot() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "patchdesk",
		Short: "PatchDesk: patch management for a small office",
		Long: "PatchDesk imports a software update catalog, learns from its agents what every PC has\n" +
			"installed, distributes updates with policies and reports compliance.\n\n" +
			"Without a command it opens the desktop console, which is also the agents' host.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runGUI(cmd.Context(), g)
		},
	}
	root.PersistentFlags().StringVar(&g.data, "data", "", "data dir (default: $PATCHDESK_DATA or the per-user data dir + PatchDesk)")
	root.PersistentFlags().StringVar(&g.format, "format", "table", "output format: table or json")
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		switch g.format {
		case "table", "json":
			return nil
		case "csv", "html":
			if cmd.Name() == "report" {
				return nil
			}
		}
		return fmt.Errorf("--format %q: use table or json", g.format)
	}
	root.AddCommand(
		serveCmd(g),
		settingsCmd(g),
		severityCmd(g),
		jobsCmd(g),
		jobCmd(g),
		importCmd(g),
		bulletinsCmd(g),
		updatesCmd(g),
		bulletinCmd(g),
		catalogCmd(g),
		downloadCmd(g),
		distributeCmd(g),
		policiesCmd(g),
		policyCmd(g),
		complianceCmd(g),
		targetsCmd(g),
		targetCmd(g),
		windowCmd(g),
		updateCmd(g),
		tokenCmd(g),
		computersCmd(g),
		computerCmd(g),
		reportCmd(g),
		adminCmd(g),
		versionCmd(),
	)
	return root
}

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the PatchDesk version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, args []string) {
			fmt.Fprintln(cmd.OutOrStdout(), appVersion())
		},
	}
}
