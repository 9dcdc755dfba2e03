package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"patchdesk/jobs"
	"patchdesk/model"
)

// downloadResult is `patchdesk download --format json` (docs/distribution.md).
type downloadResult struct {
	Bulletins []bulletinPackages    `json:"bulletins"`
	Summary   *jobs.DownloadSummary `json:"summary"` // null when another process ran the download
	// QueuedElsewhere is true when the download-packages job was already running in another
	// process (the console or serve): the packages are queued and that run fetches them.
	QueuedElsewhere bool    `json:"queued_elsewhere"`
	Seconds         float64 `json:"seconds"`
}

type bulletinPackages struct {
	ID         string          `json:"id"`
	Updates    int             `json:"updates"`
	Downloaded int             `json:"downloaded"`
	Staged     bool            `json:"staged"`
	Packages   []model.Package `json:"packages"`
}

// downloadCmd is `patchdesk download BULLETIN...` (constructor for main.go's AddCommand list).
func downloadCmd(g *globals) *cobra.Command {
	var recreate bool
	cmd := &cobra.Command{
		Use:   "download BULLETIN...",
		Short: "Download the bulletins' update packages to the To Location (a run of the download-packages job)",
		Long: "Queues every update of the bulletins for the download-packages job and runs it: the staging\n" +
			"location is tried first, then the vendor's URL; downloads resume where they stopped and are\n" +
			"verified against the catalog's SHA-256 before they are stored. Exits 1 when a package could\n" +
			"not be stored (the result says why).",
		Args: cobra.MinimumNArgs(1),
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			res, err := downloadBulletins(cmd.Context(), e, g, cmd.ErrOrStderr(), args, recreate)
			if err != nil {
				return err
			}
			t := &table{header: []string{"BULLETIN", "UPDATE", "STATE", "SOURCE", "SIZE", "FILE / PROBLEM"}}
			failed := false
			for _, b := range res.Bulletins {
				for _, p := range b.Packages {
					what := p.RelPath
					if p.State != model.PackageDownloaded {
						what = p.Error
						failed = failed || p.State == model.PackageFailed || p.State == model.PackageQuarantined
					}
					t.add(b.ID, p.UpdateID, p.State, p.Source, p.Size, what)
				}
			}
			if err := emit(cmd.OutOrStdout(), g, res, t); err != nil {
				return err
			}
			if g.format != "json" {
				if res.QueuedElsewhere {
					fmt.Fprintln(cmd.OutOrStdout(), "\nThe download-packages job is running in another PatchDesk process; it downloads these packages.")
				} else if res.Summary != nil {
					fmt.Fprintf(cmd.OutOrStdout(), "\n%s in %.1fs\n", res.Summary, res.Seconds)
				}
			}
			if failed && !res.QueuedElsewhere {
				return &exitError{code: 1}
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&recreate, "recreate", false, "download the packages again even when they are stored (Recreate Packages)")
	return cmd
}

// downloadBulletins queues the bulletins' packages and runs the download job in this process,
// printing its progress to progress in table mode.
func downloadBulletins(ctx context.Context, e *env, g *globals, progress io.Writer, bulletins []string, recreate bool) (downloadResult, error) {
	start := time.Now()
	res := downloadResult{Bulletins: []bulletinPackages{}}
	if _, err := e.store.RequestPackages(ctx, e.actor(), bulletins, recreate); err != nil {
		return res, err
	}
	d := &jobs.Downloader{Store: e.store, Settings: e.settings, Log: e.log}
	var summary jobs.DownloadSummary
	job := jobs.DownloadJob(d)
	job.Run = func(ctx context.Context, run *jobs.Run) error {
		var err error
		summary, err = d.Run(ctx, run)
		return err
	}
	r := e.newRunner(job)
	if g.format != "json" {
		last := time.Time{}
		r.Subscribe(func(ev jobs.Event) {
			if ev.Finished == nil && ev.Live.Message != "" && time.Since(last) >= time.Second {
				last = time.Now()
				fmt.Fprintf(progress, "%s\n", ev.Live.Message)
			}
		})
	}
	_, err := r.Run(ctx, jobs.DownloadJobName, "cli")
	switch {
	case errors.Is(err, jobs.ErrAlreadyRunning):
		res.QueuedElsewhere = true
	case err != nil && !errors.Is(err, jobs.ErrPackagesFailed):
		return res, fmt.Errorf("download: %w", err)
	default:
		res.Summary = &summary
	}
	res.Seconds = time.Since(start).Seconds()
	rows, err := e.store.Bulletins(ctx, model.BulletinFilter{})
	if err != nil {
		return res, err
	}
	byID := map[string]model.BulletinRow{}
	for _, b := range rows {
		byID[b.ID] = b
	}
	pkgs, err := e.store.Packages(ctx, bulletins...)
	if err != nil {
		return res, err
	}
	for _, id := range bulletins {
		b := byID[id]
		bp := bulletinPackages{ID: id, Updates: b.Updates, Downloaded: b.Downloaded, Staged: b.Staged, Packages: []model.Package{}}
		for _, p := range pkgs {
			if p.BulletinID == id {
				bp.Packages = append(bp.Packages, p)
			}
		}
		res.Bulletins = append(res.Bulletins, bp)
	}
	return res, nil
}
