package model

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// PolicyRevision is what the Import Patch Data options ask of policies after an import.
type PolicyRevision struct {
	// Revise adds updates a vendor added to a policy's bulletins and drops those removed
	// ("Automatically revise software update policies after importing").
	Revise bool
	// EnableNew turns the added updates on ("Enable distribution of newly added software
	// updates"); off adds them turned off.
	EnableNew bool
	// DisableSuperseded turns superseded updates off in every policy ("Disable all superseded
	// software updates").
	DisableSuperseded bool
}

// RevisionCounts says what RevisePolicies changed.
type RevisionCounts struct {
	Policies           int64 `json:"policies_revised"`
	Added              int64 `json:"policy_updates_added"`
	Removed            int64 `json:"policy_updates_removed"`
	DisabledSuperseded int64 `json:"policy_updates_superseded_off"`
}

// RevisePolicies brings policies in line with the catalog after an import, in one transaction;
// each changed policy's revision grows so agents fetch it again.
func (s *Store) RevisePolicies(ctx context.Context, actor string, opts PolicyRevision) (RevisionCounts, error) {
	var c RevisionCounts
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		changed := map[uint]bool{}
		collect := func(q string, args ...any) error {
			var ids []uint
			if err := tx.Raw(q, args...).Scan(&ids).Error; err != nil {
				return err
			}
			for _, id := range ids {
				changed[id] = true
			}
			return nil
		}
		const missing = `FROM policy_bulletins pb JOIN updates u ON u.bulletin_id = pb.bulletin_id
			WHERE NOT EXISTS (SELECT 1 FROM policy_updates pu WHERE pu.policy_id = pb.policy_id AND pu.update_id = u.id)`
		const gone = `FROM policy_updates WHERE NOT EXISTS (SELECT 1 FROM updates u WHERE u.id = policy_updates.update_id)`
		const superseded = `FROM policy_updates WHERE enabled AND update_id IN
			(SELECT id FROM updates WHERE superseded_by <> '' UNION SELECT supersedes_id FROM update_supersedes)`
		if opts.Revise {
			if err := collect("SELECT DISTINCT pb.policy_id " + missing); err != nil {
				return err
			}
			if err := collect("SELECT DISTINCT policy_id " + gone); err != nil {
				return err
			}
			r := tx.Exec("INSERT INTO policy_updates (policy_id, update_id, bulletin_id, enabled) SELECT pb.policy_id, u.id, u.bulletin_id, ? "+missing, opts.EnableNew)
			if r.Error != nil {
				return r.Error
			}
			c.Added = r.RowsAffected
			if r = tx.Exec("DELETE " + gone); r.Error != nil {
				return r.Error
			}
			c.Removed = r.RowsAffected
		}
		if opts.DisableSuperseded {
			if err := collect("SELECT DISTINCT policy_id " + superseded); err != nil {
				return err
			}
			r := tx.Exec("UPDATE policy_updates SET enabled = false WHERE rowid IN (SELECT rowid " + superseded + ")")
			if r.Error != nil {
				return r.Error
			}
			c.DisabledSuperseded = r.RowsAffected
		}
		for id := range changed {
			err := tx.Model(&Policy{}).Where("id = ?", id).Updates(map[string]any{"revision": gorm.Expr("revision + 1"), "updated_at": time.Now().UTC()}).Error
			if err != nil {
				return err
			}
			if err := AuditTx(tx, actor, "revise", policyObject(id), "after a catalog import"); err != nil {
				return err
			}
		}
		c.Policies = int64(len(changed))
		return nil
	})
	if err != nil {
		return c, fmt.Errorf("revise policies after import: %w", err)
	}
	return c, nil
}
