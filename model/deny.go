package model

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Beyond the guide, because administrators ask for it: an update can be denied (never
// installed anywhere, whatever a policy says), and a target can carry a deployment delay, so
// that its computers get an update only N days after its bulletin's release (rings: a pilot
// target at 0 days, the rest of the office at 7). Both act in the policies reply to agents.

// DeniedUpdate is an update no computer installs.
type DeniedUpdate struct {
	UpdateID string    `json:"update_id" gorm:"primaryKey"`
	Reason   string    `json:"reason"`
	DeniedBy string    `json:"denied_by"`
	DeniedAt time.Time `json:"denied_at"`
}

func (DeniedUpdate) TableName() string { return "denied_updates" }

// TargetDelay is a target's deployment delay in days after release.
type TargetDelay struct {
	Target    string    `json:"target" gorm:"primaryKey"`
	Days      int       `json:"days"`
	UpdatedAt time.Time `json:"updated_at"`
}

func (TargetDelay) TableName() string { return "target_delays" }

// MaxDelayDays bounds a deployment delay: a year is already more than any ring needs.
const MaxDelayDays = 365

// DenyUpdate denies an update of the catalog everywhere; denying it again updates the reason.
func (s *Store) DenyUpdate(ctx context.Context, actor, updateID, reason string) (DeniedUpdate, error) {
	updateID = strings.TrimSpace(updateID)
	d := DeniedUpdate{UpdateID: updateID, Reason: strings.TrimSpace(reason), DeniedBy: actor, DeniedAt: time.Now().UTC()}
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Update{}).Where("id = ?", updateID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("update %q: %w", updateID, ErrNotFound)
		}
		if err := tx.Save(&d).Error; err != nil {
			return err
		}
		return AuditTx(tx, actor, "deny", "update:"+updateID, d.Reason)
	})
	if err != nil {
		return DeniedUpdate{}, fmt.Errorf("deny update %s: %w", updateID, err)
	}
	return d, nil
}

// AllowUpdate lifts a denial; ErrNotFound when the update was not denied.
func (s *Store) AllowUpdate(ctx context.Context, actor, updateID string) error {
	updateID = strings.TrimSpace(updateID)
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("update_id = ?", updateID).Delete(&DeniedUpdate{})
		if res.Error != nil {
			return fmt.Errorf("allow update %s: %w", updateID, res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("allow update %s: it is not denied: %w", updateID, ErrNotFound)
		}
		return AuditTx(tx, actor, "allow", "update:"+updateID, "")
	})
}

// DeniedUpdates lists the denied updates by id.
func (s *Store) DeniedUpdates(ctx context.Context) ([]DeniedUpdate, error) {
	var ds []DeniedUpdate
	if err := s.DB.WithContext(ctx).Order("update_id").Find(&ds).Error; err != nil {
		return nil, fmt.Errorf("list denied updates: %w", err)
	}
	return ds, nil
}

// SetTargetDelay sets a target's deployment delay; 0 days removes it.
func (s *Store) SetTargetDelay(ctx context.Context, actor, target string, days int) (TargetDelay, error) {
	if days < 0 || days > MaxDelayDays {
		return TargetDelay{}, fmt.Errorf("deployment delay %d days: use 0 to %d", days, MaxDelayDays)
	}
	t, err := s.Target(ctx, target)
	if err != nil {
		return TargetDelay{}, fmt.Errorf("set deployment delay: %w", err)
	}
	d := TargetDelay{Target: t.Name, Days: days, UpdatedAt: time.Now().UTC()}
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("target = ?", t.Name).Delete(&TargetDelay{}).Error; err != nil {
			return err
		}
		if days > 0 {
			if err := tx.Create(&d).Error; err != nil {
				return err
			}
		}
		return AuditTx(tx, actor, "delay", targetObject(t.Name), fmt.Sprintf("%d days", days))
	})
	if err != nil {
		return TargetDelay{}, fmt.Errorf("set deployment delay of %s: %w", t.Name, err)
	}
	return d, nil
}

// TargetDelays lists the targets that have a deployment delay.
func (s *Store) TargetDelays(ctx context.Context) ([]TargetDelay, error) {
	var ds []TargetDelay
	if err := s.DB.WithContext(ctx).Order("target").Find(&ds).Error; err != nil {
		return nil, fmt.Errorf("list deployment delays: %w", err)
	}
	return ds, nil
}
