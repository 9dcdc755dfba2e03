package model

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// recomputeTarget replaces a target's members with what its query selects now.
func recomputeTarget(tx *gorm.DB, r targetRow, now time.Time) (int, error) {
	t, err := r.target()
	if err != nil {
		return 0, err
	}
	if err := tx.Exec("DELETE FROM target_members WHERE target_id = ?", r.ID).Error; err != nil {
		return 0, fmt.Errorf("recompute target %s: %w", r.Name, err)
	}
	cond, args := t.Query.where()
	res := tx.Exec("INSERT INTO target_members (target_id, computer_id) SELECT ?, k.id FROM computers k WHERE "+cond, append([]any{r.ID}, args...)...)
	if res.Error != nil {
		return 0, fmt.Errorf("recompute target %s: %w", r.Name, res.Error)
	}
	n := int(res.RowsAffected)
	if err := tx.Model(&targetRow{}).Where("id = ?", r.ID).Updates(map[string]any{"member_count": n, "evaluated_at": now}).Error; err != nil {
		return 0, fmt.Errorf("recompute target %s: %w", r.Name, err)
	}
	return n, nil
}

// RecomputeTargets recomputes the members of the named targets, or of every target when none
// is named, each in its own short transaction. It returns the targets with their new counts.
func (s *Store) RecomputeTargets(ctx context.Context, names ...string) ([]Target, error) {
	var rows []targetRow
	q := s.DB.WithContext(ctx).Order("builtin DESC, name")
	if len(names) > 0 {
		q = q.Where("name IN ?", names)
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("recompute targets: %w", err)
	}
	if len(names) > 0 && len(rows) < len(names) {
		return nil, fmt.Errorf("recompute targets %v: %w", names, ErrNotFound)
	}
	out := make([]Target, 0, len(rows))
	for _, r := range rows {
		now := time.Now().UTC()
		var n int
		err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var err error
			n, err = recomputeTarget(tx, r, now)
			return err
		})
		if err != nil {
			return out, err
		}
		r.MemberCount, r.EvaluatedAt = n, &now
		t, err := r.target()
		if err != nil {
			return out, err
		}
		out = append(out, t)
	}
	return out, nil
}

// TargetMemberIDs lists a target's members as last computed: the Computers screen's target
// filter, a policy's computers, and (once the listener asks) the scan target's computers.
func (s *Store) TargetMemberIDs(ctx context.Context, name string) ([]uint, error) {
	r, err := findTarget(s.DB.WithContext(ctx), name)
	if err != nil {
		return nil, err
	}
	var ids []uint
	if err := s.DB.WithContext(ctx).Raw("SELECT computer_id FROM target_members WHERE target_id = ? ORDER BY computer_id", r.ID).Scan(&ids).Error; err != nil {
		return nil, fmt.Errorf("read members of target %s: %w", r.Name, err)
	}
	return ids, nil
}

// ScanTarget is the guide's Run System Assessment Scan task for a target: it recomputes the
// target's members and asks every one of them to scan at its next check-in, in one transaction
// (one RequestScan per computer would be one commit each). A running listener notices the
// requests through computer_changes, as it does for `patchdesk computer scan`.
func (s *Store) ScanTarget(ctx context.Context, actor, name string) (int, error) {
	var n int
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := findTarget(tx, name)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		if n, err = recomputeTarget(tx, r, now); err != nil {
			return err
		}
		steps := []struct {
			what string
			sql  string
			args []any
		}{
			{"request scans", "UPDATE computers SET scan_requested_at = ? WHERE id IN (SELECT computer_id FROM target_members WHERE target_id = ?)", []any{now, r.ID}},
			{"tell the listener", "INSERT INTO computer_changes (computer_id, kind, at) SELECT computer_id, ?, ? FROM target_members WHERE target_id = ?", []any{ChangeScan, now, r.ID}},
		}
		for _, st := range steps {
			if err := tx.Exec(st.sql, st.args...).Error; err != nil {
				return fmt.Errorf("scan target %s: %s: %w", r.Name, st.what, err)
			}
		}
		return AuditTx(tx, actor, ChangeScan, targetObject(r.Name), fmt.Sprintf("%d computers", n))
	})
	return n, err
}
