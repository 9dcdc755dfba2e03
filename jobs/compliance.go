package jobs

import (
	"context"
	"fmt"

	"patchdesk/model"
)

// ComplianceJobName is the full compliance recompute's job name (`patchdesk job run
// compliance-recompute`).
const ComplianceJobName = "compliance-recompute"

// ComplianceJob evaluates every computer's stored inventory against the whole catalog and
// rebuilds the per-bulletin counts. Uploads and imports keep compliance current on their own
// (the listener's hook, recomputeAfterImport); this job is for repair and for measuring. It has
// no schedule setting: run it by hand.
func ComplianceJob(store *model.Store) Job {
	return Job{
		Name:        ComplianceJobName,
		Title:       "Recompute compliance",
		Description: "Evaluates every computer's last inventory against every update's applicable and installed rules and stores which updates are installed, missing or not applicable.",
		Run: func(ctx context.Context, run *Run) error {
			res, err := recompute(ctx, store, model.RecomputeOptions{All: true}, run)
			if err != nil {
				return err
			}
			run.Say("%d computers evaluated against %d updates in %.1f s: %d applicable rows", res.Computers, res.Updates, res.Seconds, res.Rows)
			return nil
		},
	}
}

// recompute runs a compliance pass with the run's progress and counts.
func recompute(ctx context.Context, store *model.Store, opts model.RecomputeOptions, run *Run) (model.RecomputeResult, error) {
	opts.Progress = func(done, total int) { run.Progress(int64(done), int64(total)) }
	res, err := store.RecomputeCompliance(ctx, opts)
	run.Add("computers_evaluated", int64(res.Computers))
	run.Add("compliance_rows", int64(res.Rows))
	if res.Failed > 0 {
		run.Add("inventories_unreadable", int64(res.Failed))
	}
	if err != nil {
		return res, fmt.Errorf("recompute compliance: %w", err)
	}
	return res, nil
}

// recomputeAfterImport re-evaluates every computer when an import changed updates (called by
// Import). The catalog is already committed, so a failure fails the run without undoing it;
// the computers stay stale until the next pass (update-targets runs one).
func recomputeAfterImport(ctx context.Context, store *model.Store, c model.ImportCounts, run *Run) error {
	if c.UpdatesAdded+c.UpdatesChanged+c.UpdatesRemoved == 0 {
		return nil
	}
	run.Say("recomputing compliance for the changed catalog")
	_, err := recompute(ctx, store, model.RecomputeOptions{All: true}, run)
	return err
}
