package jobs

import (
	"context"
	"time"

	"patchdesk/model"
	"patchdesk/model/settings"
)

// SnapshotJobName is the compliance snapshot's job name (`patchdesk job run compliance-snapshot`).
const SnapshotJobName = "compliance-snapshot"

// SnapshotJob writes today's point of the dashboard's compliance-over-time line. It runs on the
// patch filter update interval (default 30 min), after the same data update-targets brings up
// to date, and each run replaces the day's row, so the line shows each day's last state and a
// host that was off for part of a day still gets its point. Reading the two summary tables
// costs milliseconds, so running it often is free. now is the job's clock (time.Now in the
// host, a fixed time in tests).
func SnapshotJob(store *model.Store, now func() time.Time) Job {
	if now == nil {
		now = time.Now
	}
	return Job{
		Name:        SnapshotJobName,
		Title:       "Compliance snapshot",
		Description: "Records today's compliance figures for the dashboard's compliance-over-time line (one row per day; later runs replace the day's row).",
		ScheduleKey: settings.KeyFilterInterval,
		Run: func(ctx context.Context, run *Run) error {
			snap, err := store.TakeComplianceSnapshot(ctx, now())
			if err != nil {
				return err
			}
			run.Add("computers", snap.Computers)
			run.Add("not_installed", snap.NotInstalled)
			run.Say("snapshot of %s: %d computers, %d compliant, %d bulletin × computer pairs not installed",
				snap.Day, snap.Computers, snap.CompliantComputers, snap.NotInstalled)
			return nil
		},
	}
}
