package jobs

import (
	"context"

	"patchdesk/model"
	"patchdesk/model/settings"
)

// revisePolicies applies the Import Patch Data page's policy options after the catalog is
// written (called by Import): revise policies, enable newly added updates, disable superseded
// ones. The catalog is already committed, so a failure here fails the run without undoing it;
// the next import revises again.
func revisePolicies(ctx context.Context, store *model.Store, v settings.Values, run *Run) error {
	c, err := store.RevisePolicies(ctx, "import-catalog", model.PolicyRevision{
		Revise:            v.Bool(settings.KeyImportRevise),
		EnableNew:         v.Bool(settings.KeyImportEnableNew),
		DisableSuperseded: v.Bool(settings.KeyImportDisableSuper),
	})
	if err != nil {
		return err
	}
	if c.Policies > 0 {
		run.Add("policies_revised", c.Policies)
		run.Add("policy_updates_added", c.Added)
		run.Add("policy_updates_removed", c.Removed)
		run.Add("policy_updates_superseded_off", c.DisabledSuperseded)
	}
	return nil
}
