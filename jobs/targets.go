package jobs

import (
	"context"
	"fmt"

	"patchdesk/model"
	"patchdesk/model/settings"
)

// TargetsJobName is the target update's job name (`patchdesk job run update-targets`).
const TargetsJobName = "update-targets"

// TargetsJob is the guide's patch filter update: on the Patch filter update interval it first
// evaluates computers whose compliance is stale (an upload the listener's hook did not finish,
// a process that stopped mid-way), since targets may select on compliance, and then recomputes
// every target's members.
func TargetsJob(store *model.Store) Job {
	return Job{
		Name:        TargetsJobName,
		Title:       "Update targets",
		Description: "Brings stale compliance up to date, then recomputes the members of every target (saved computer query).",
		ScheduleKey: settings.KeyFilterInterval,
		Run: func(ctx context.Context, run *Run) error {
			res, err := recompute(ctx, store, model.RecomputeOptions{}, run)
			if err != nil {
				return err
			}
			run.Say("recomputing targets")
			ts, err := store.RecomputeTargets(ctx)
			if err != nil {
				return fmt.Errorf("update targets: %w", err)
			}
			members := 0
			for _, t := range ts {
				members += t.Members
			}
			run.Add("targets", int64(len(ts)))
			run.Add("memberships", int64(members))
			run.Say("%d targets updated (%d memberships); %d stale computers evaluated", len(ts), members, res.Computers)
			return nil
		},
	}
}
