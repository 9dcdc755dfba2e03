package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"patchdesk/assets"
	"patchdesk/jobs"
)

func importCmd(g *globals) *cobra.Command {
	var req jobs.ImportRequest
	cmd := &cobra.Command{
		Use:   "import [--source PATH|URL]... [--full]",
		Short: "Import the software update catalog now (recorded as a run of the import-catalog job)",
		Long: "Imports from the locations in the Import Patch Data settings, or from the --source locations\n" +
			"instead: PatchDesk catalogs (folders, index.json files, https URLs), MSRC CVRF documents and\n" +
			"winget manifests. The catalog is written in one transaction: a failed import changes nothing.",
		Args: cobra.NoArgs,
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			var res jobs.ImportResult
			job := jobs.ImportJobFor(e.store, e.settings, assets.Catalog(), e.log, req)
			job.Run = func(ctx context.Context, run *jobs.Run) error {
				var err error
				res, err = jobs.Import(ctx, e.store, e.settings, assets.Catalog(), e.log, req, run)
				return err
			}
			if _, err := e.newRunner(job).Run(cmd.Context(), jobs.ImportJobName, "cli"); err != nil {
				return fmt.Errorf("import: %w", err)
			}
			t := &table{header: []string{"", "ADDED", "CHANGED", "REMOVED", "IN CATALOG"}}
			t.add("bulletins", res.BulletinsAdded, res.BulletinsChanged, res.BulletinsRemoved, res.Bulletins)
			t.add("updates", res.UpdatesAdded, res.UpdatesChanged, res.UpdatesRemoved, res.Updates)
			if err := emit(cmd.OutOrStdout(), g, res, t); err != nil {
				return err
			}
			if g.format != "json" {
				fmt.Fprintf(cmd.OutOrStdout(), "\n%d source(s) read, %d unchanged, %d removed, from %s in %.2fs\n",
					res.SourcesRead, res.SourcesUnchanged, res.SourcesRemoved, strings.Join(res.Locations, ", "), res.Seconds)
			}
			return nil
		}),
	}
	cmd.Flags().StringArrayVar(&req.Sources, "source", nil, "import from this folder, file or URL instead of the configured locations (repeatable)")
	cmd.Flags().BoolVar(&req.Full, "full", false, "re-read every source even when incremental import is on")
	return cmd
}
