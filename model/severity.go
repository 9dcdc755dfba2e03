package model

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"
)

// VendorSeverities are the severities vendors assign; administrators cannot change them, and a
// custom level may not take one of their names.
var VendorSeverities = []string{"Critical", "Important", "Moderate", "Low", "Unspecified"}

// ErrNotFound is returned when a named or numbered object does not exist.
var ErrNotFound = errors.New("not found")

// SeverityLevels lists the custom severity levels in the administrator's order.
func (s *Store) SeverityLevels(ctx context.Context) ([]SeverityLevel, error) {
	return ListSeverityLevels(ctx, s.DB)
}

// ListSeverityLevels is SeverityLevels for a caller inside a transaction.
func ListSeverityLevels(ctx context.Context, db *gorm.DB) ([]SeverityLevel, error) {
	var levels []SeverityLevel
	if err := db.WithContext(ctx).Order("position, id").Find(&levels).Error; err != nil {
		return nil, fmt.Errorf("list custom severity levels: %w", err)
	}
	return levels, nil
}

func validSeverityName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", errors.New("a custom severity level needs a name")
	case len(name) > 64:
		return "", fmt.Errorf("custom severity level %q is longer than 64 characters", name)
	case slices.ContainsFunc(VendorSeverities, func(v string) bool { return strings.EqualFold(v, name) }):
		return "", fmt.Errorf("%q is a vendor severity and cannot be used as a custom level", name)
	}
	return name, nil
}

// AddSeverityLevel appends a custom severity level.
func (s *Store) AddSeverityLevel(ctx context.Context, actor, name string) (SeverityLevel, error) {
	name, err := validSeverityName(name)
	if err != nil {
		return SeverityLevel{}, err
	}
	var level SeverityLevel
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&SeverityLevel{}).Where("lower(name) = lower(?)", name).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("custom severity level %q already exists", name)
		}
		var maxPos int
		if err := tx.Model(&SeverityLevel{}).Select("COALESCE(MAX(position), 0)").Scan(&maxPos).Error; err != nil {
			return err
		}
		level = SeverityLevel{Name: name, Position: maxPos + 1}
		if err := tx.Create(&level).Error; err != nil {
			return err
		}
		return AuditTx(tx, actor, "add", "severity:"+name, "")
	})
	if err != nil {
		return SeverityLevel{}, fmt.Errorf("add custom severity level: %w", err)
	}
	return level, nil
}

// FindSeverityLevel finds a custom level by name (case-insensitive) or by its number.
func (s *Store) FindSeverityLevel(ctx context.Context, nameOrID string) (SeverityLevel, error) {
	var level SeverityLevel
	err := s.DB.WithContext(ctx).Where("lower(name) = lower(?) OR CAST(id AS TEXT) = ?", nameOrID, nameOrID).First(&level).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return level, fmt.Errorf("custom severity level %q: %w", nameOrID, ErrNotFound)
	}
	if err != nil {
		return level, fmt.Errorf("find custom severity level %q: %w", nameOrID, err)
	}
	return level, nil
}

// RenameSeverityLevel renames a custom level; bulletins that carry it keep it.
func (s *Store) RenameSeverityLevel(ctx context.Context, actor string, id uint, name string) error {
	name, err := validSeverityName(name)
	if err != nil {
		return err
	}
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var old SeverityLevel
		if err := tx.First(&old, id).Error; err != nil {
			return fmt.Errorf("rename custom severity level %d: %w", id, ErrNotFound)
		}
		var n int64
		if err := tx.Model(&SeverityLevel{}).Where("lower(name) = lower(?) AND id <> ?", name, id).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("custom severity level %q already exists", name)
		}
		if err := tx.Model(&old).Update("name", name).Error; err != nil {
			return fmt.Errorf("rename custom severity level: %w", err)
		}
		return AuditTx(tx, actor, "rename", "severity:"+old.Name, "to "+name)
	})
}

// RemoveSeverityLevel deletes a custom level.
func (s *Store) RemoveSeverityLevel(ctx context.Context, actor string, id uint) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var old SeverityLevel
		if err := tx.First(&old, id).Error; err != nil {
			return fmt.Errorf("remove custom severity level %d: %w", id, ErrNotFound)
		}
		if err := tx.Delete(&old).Error; err != nil {
			return fmt.Errorf("remove custom severity level: %w", err)
		}
		return AuditTx(tx, actor, "remove", "severity:"+old.Name, "")
	})
}

// MoveSeverityLevel moves a custom level up (delta < 0) or down (delta > 0) in the list.
func (s *Store) MoveSeverityLevel(ctx context.Context, actor string, id uint, delta int) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var levels []SeverityLevel
		if err := tx.Order("position, id").Find(&levels).Error; err != nil {
			return err
		}
		i := slices.IndexFunc(levels, func(l SeverityLevel) bool { return l.ID == id })
		if i < 0 {
			return fmt.Errorf("move custom severity level %d: %w", id, ErrNotFound)
		}
		j := min(max(i+delta, 0), len(levels)-1)
		if i == j {
			return nil
		}
		moved := levels[i]
		levels = slices.Delete(levels, i, i+1)
		levels = slices.Insert(levels, j, moved)
		for pos, l := range levels {
			if err := tx.Model(&SeverityLevel{}).Where("id = ?", l.ID).Update("position", pos+1).Error; err != nil {
				return err
			}
		}
		return AuditTx(tx, actor, "move", "severity:"+moved.Name, fmt.Sprintf("to position %d", j+1))
	})
}
