package jobs

import (
	"context"
	"fmt"
	"strings"
	"time"

	"patchdesk/model"
	"patchdesk/model/settings"
)

// MaintenanceJob keeps the database healthy: it checks it, prunes old job history and folds the
// write-ahead log back into the database file.
func MaintenanceJob(store *model.Store, src settings.Source) Job {
	return Job{
		Name:        "database-maintenance",
		Title:       "Database maintenance",
		Description: "Checks the database's integrity, removes job history older than the retention setting and checkpoints the write-ahead log.",
		ScheduleKey: settings.KeyMaintenanceSched,
		Run: func(ctx context.Context, run *Run) error {
			v, err := src.Load(ctx)
			if err != nil {
				return err
			}
			run.Progress(0, 3)
			run.Say("checking database integrity")
			var findings []string
			if err := store.DB.WithContext(ctx).Raw("PRAGMA quick_check").Scan(&findings).Error; err != nil {
				return fmt.Errorf("quick check: %w", err)
			}
			if len(findings) != 1 || findings[0] != "ok" {
				return fmt.Errorf("database check found problems: %s", strings.Join(findings, "; "))
			}
			run.Progress(1, 3)
			run.Say("pruning job history")
			cutoff := time.Now().AddDate(0, 0, -v.Int(settings.KeyHistoryDays))
			pruned, err := store.PruneJobRuns(ctx, cutoff)
			if err != nil {
				return err
			}
			run.Add("runs_pruned", pruned)
			run.Progress(2, 3)
			run.Say("checkpointing the write-ahead log")
			if err := store.DB.WithContext(ctx).Exec("PRAGMA wal_checkpoint(PASSIVE)").Error; err != nil {
				return fmt.Errorf("checkpoint: %w", err)
			}
			if err := store.DB.WithContext(ctx).Exec("PRAGMA optimize").Error; err != nil {
				return fmt.Errorf("optimize: %w", err)
			}
			run.Add("database_bytes", store.Size())
			run.Progress(3, 3)
			run.Say("database is sound; %d old job runs removed", pruned)
			return nil
		},
	}
}
