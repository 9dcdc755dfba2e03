package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"patchdesk/model"
	"patchdesk/model/settings"
)

// PurgeJobName is the purge job's name.
const PurgeJobName = "purge-packages"

// PurgeJob deletes packages that no policy has used for the Delete packages after period
// (Windows Patch Remediation Settings, one week by default). Each run first marks the packages
// policies hold as used, so a package counts as unused from the moment its last policy let go.
func PurgeJob(store *model.Store, src settings.Source, log *slog.Logger, now func() time.Time) Job {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return Job{
		Name:        PurgeJobName,
		Title:       "Purge unused packages",
		Description: "Deletes software update packages that no policy has used for the Delete packages after period.",
		// Shares the maintenance schedule until the job has a schedule setting of its own.
		ScheduleKey: settings.KeyPurgeSchedule,
		Run: func(ctx context.Context, run *Run) error {
			v, err := src.Load(ctx)
			if err != nil {
				return err
			}
			keep := v.Duration(settings.KeyDeletePackages)
			t := now()
			use, err := store.TouchAndFindUnused(ctx, t, t.Add(-keep))
			if err != nil {
				return err
			}
			var freed int64
			for i, p := range use.Unused {
				run.Progress(int64(i), int64(len(use.Unused)))
				if p.RelPath != "" {
					if err := os.Remove(p.FilePath()); err != nil && !errors.Is(err, os.ErrNotExist) {
						return fmt.Errorf("delete package %s: %w", p.FilePath(), err)
					}
					removeEmptyDirs(filepath.Dir(p.FilePath()), p.Root)
				}
				if err := store.DeletePackage(ctx, p.UpdateID); err != nil {
					return err
				}
				if p.State == model.PackageDownloaded {
					freed += p.Size
				}
				log.Info("package purged", "update", p.UpdateID, "state", p.State, "bytes", p.Size)
			}
			run.Add("in_use", use.Touched)
			run.Add("purged", int64(len(use.Unused)))
			run.Add("bytes_freed", freed)
			run.Progress(int64(len(use.Unused)), int64(len(use.Unused)))
			run.Say("%d package(s) unused for %s deleted (%s freed); %d held by policies", len(use.Unused), keep, formatSize(freed), use.Touched)
			return nil
		},
	}
}
