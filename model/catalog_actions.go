package model

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"
)

// SetCustomSeverity assigns a custom severity level (by name or number) to bulletins, or
// clears it when level is empty. Each change is audit-trailed in the same transaction.
func (s *Store) SetCustomSeverity(ctx context.Context, actor string, ids []string, level string) error {
	var levelID *uint
	name := ""
	if strings.TrimSpace(level) != "" {
		l, err := s.FindSeverityLevel(ctx, strings.TrimSpace(level))
		if err != nil {
			return fmt.Errorf("set custom severity: %w", err)
		}
		levelID, name = &l.ID, l.Name
	}
	ids = uniqueIDs(ids)
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := bulletinsExist(tx, ids); err != nil {
			return err
		}
		if err := tx.Model(&Bulletin{}).Where("id IN ?", ids).Update("custom_severity_id", levelID).Error; err != nil {
			return err
		}
		detail := "to " + name
		if levelID == nil {
			detail = "cleared"
		}
		for _, id := range ids {
			if err := AuditTx(tx, actor, "custom-severity", "bulletin:"+id, detail); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set custom severity: %w", err)
	}
	return nil
}

// SetBulletinsDisabled disables bulletins (never installed, even when a policy holds them) or
// enables them again, audit-trailed.
func (s *Store) SetBulletinsDisabled(ctx context.Context, actor string, ids []string, disabled bool) error {
	action := "enable"
	if disabled {
		action = "disable"
	}
	ids = uniqueIDs(ids)
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := bulletinsExist(tx, ids); err != nil {
			return err
		}
		if err := tx.Model(&Bulletin{}).Where("id IN ?", ids).Update("disabled", disabled).Error; err != nil {
			return err
		}
		for _, id := range ids {
			if err := AuditTx(tx, actor, action, "bulletin:"+id, ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s bulletins: %w", action, err)
	}
	return nil
}

func uniqueIDs(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
